using Microsoft.AspNetCore.Identity;

namespace ChunkUploader.Web.Presentation;

/// <summary>The configured password policy in one sentence, so the register page never promises a different rule than Identity checks.</summary>
public static class PasswordRules
{
    public static string Describe(PasswordOptions password)
    {
        var kinds = new List<string>();
        if (password.RequireUppercase) kinds.Add("an upper-case letter");
        if (password.RequireLowercase) kinds.Add("a lower-case letter");
        if (password.RequireDigit) kinds.Add("a digit");
        if (password.RequireNonAlphanumeric) kinds.Add("a symbol");
        var sentence = $"At least {Counts.Of(password.RequiredLength, "character")}";
        return kinds.Count switch
        {
            0 => sentence + ".",
            1 => $"{sentence}, with {kinds[0]}.",
            _ => $"{sentence}, with {string.Join(", ", kinds[..^1])} and {kinds[^1]}.",
        };
    }
}
