using Microsoft.AspNetCore.Identity;

namespace ChunkUploader.Web.Security;

/// <summary>
/// Refuses an email or user name longer than its database column (Identity's 256 characters). SQLite would store it
/// anyway and PostgreSQL would fail the insert with an error; this way the person reads a sentence on the form.
/// </summary>
public sealed class StoredLengthUserValidator : IUserValidator<IdentityUser>
{
    public const int MaxLength = 256;

    public Task<IdentityResult> ValidateAsync(UserManager<IdentityUser> manager, IdentityUser user) => Task.FromResult(
        user.Email?.Length > MaxLength ? Refused("EmailTooLong", "email address")
        : user.UserName?.Length > MaxLength ? Refused("UserNameTooLong", "user name")
        : IdentityResult.Success);

    private static IdentityResult Refused(string code, string what) =>
        IdentityResult.Failed(new IdentityError { Code = code, Description = $"The {what} is longer than {MaxLength} characters." });
}
