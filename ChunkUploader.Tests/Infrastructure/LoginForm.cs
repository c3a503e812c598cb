using System.Net;
using System.Text.RegularExpressions;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>The Identity login form and the antiforgery token of server-rendered forms, for tests that look at what a sign-in answers.</summary>
public static partial class LoginForm
{
    /// <summary>The antiforgery token a page's forms carry.</summary>
    public static string Token(string html) => WebUtility.HtmlDecode(HiddenToken().Match(html).Groups[1].Value);

    /// <summary>Posts a correct sign-in of <paramref name="user"/> and returns where the app sends the browser (the cookie lands in the client's jar).</summary>
    public static async Task<string> SignInRedirectAsync(HttpClient client, TestUser user)
    {
        using var login = await PostAsync(client, user);
        Assert.AreEqual(HttpStatusCode.Redirect, login.StatusCode, $"sign-in of {user.Email}");
        return login.Headers.Location!.ToString();
    }

    /// <summary>Posts the login form with the user's email and password, as the page does.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, TestUser user)
    {
        var token = Token(await client.GetStringAsync("Identity/Account/Login"));
        return await client.PostAsync("Identity/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email, ["Input.Password"] = user.Password, ["__RequestVerificationToken"] = token,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}
