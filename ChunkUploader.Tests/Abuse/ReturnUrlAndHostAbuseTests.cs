using System.Net;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>Return URLs that point elsewhere, and foreign Host headers: never a 500, never a redirect off the site.</summary>
[TestClass]
public sealed class ReturnUrlAndHostAbuseTests
{
    public static IEnumerable<object[]> ForeignUrls() =>
        new[] { "https://elsewhere.example/", "//elsewhere.example/x", "/\\elsewhere.example", "http:elsewhere.example", "javascript:alert(1)", "~//elsewhere.example" }
            .Select(url => new object[] { url });

    [TestMethod]
    [DynamicData(nameof(ForeignUrls))]
    public async Task Signing_in_with_a_foreign_return_url_lands_at_home(string returnUrl)
    {
        var before = await FootprintAsync();
        var user = await App.CreateUserAsync();
        using var client = App.CreateAnonymousClient();
        var query = "?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        using var page = await client.GetAsync("Identity/Account/Login" + query);
        var html = await page.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("elsewhere.example", html, "the form does not carry the foreign URL on");

        using var login = await client.PostAsync("Identity/Account/Login" + query, AbuseFixture.LoginForm(user.Email, user.Password, AppFixture.FormToken(html)));

        Assert.AreEqual(HttpStatusCode.Redirect, login.StatusCode);
        Assert.AreEqual("/", login.Headers.Location!.OriginalString);
        await AssertUnchangedAsync(before);
    }

    [TestMethod]
    [DynamicData(nameof(ForeignUrls))]
    public async Task Signing_out_with_a_foreign_return_url_in_the_query_or_the_form_lands_at_home(string returnUrl)
    {
        using var session = await App.NewSessionAsync();
        var token = AppFixture.FormToken(await session.Client.GetStringAsync("Uploads"));

        using var signOut = await session.Client.PostAsync("Identity/Account/Logout?returnUrl=" + Uri.EscapeDataString(returnUrl),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl }));

        Assert.AreEqual(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.AreEqual("/", signOut.Headers.Location!.OriginalString);
    }

    [TestMethod]
    [DataRow(1025, 10, "value count limit", DisplayName = "1,025 fields")]
    [DataRow(1, 3000, "key length", DisplayName = "a field name of 3,000 characters")]
    public async Task An_account_form_too_big_to_read_gets_400_naming_why(int fields, int keyLength, string message)
    {
        using var client = App.CreateAnonymousClient();
        var body = string.Join("&", Enumerable.Range(0, fields).Select(i => new string('k', keyLength) + i + "="));
        using var content = new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");

        using var login = await client.PostAsync("Identity/Account/Login", content);

        Assert.AreEqual(HttpStatusCode.BadRequest, login.StatusCode);
        var text = await login.Content.ReadAsStringAsync();
        StringAssert.Contains(text, "The form could not be read");
        StringAssert.Contains(text, message, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public async Task An_account_form_sent_as_multipart_gets_415_so_a_foreign_return_url_cannot_slip_through()
    {
        using var session = await App.NewSessionAsync();
        var token = AppFixture.FormToken(await session.Client.GetStringAsync("Uploads"));
        using var form = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" }, { new StringContent("https://elsewhere.example/"), "returnUrl" } };

        using var signOut = await session.Client.PostAsync("Identity/Account/Logout", form);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, signOut.StatusCode);
        StringAssert.Contains(await signOut.Content.ReadAsStringAsync(), "application/x-www-form-urlencoded");
    }

    [TestMethod]
    public async Task A_local_return_url_is_kept()
    {
        var user = await App.CreateUserAsync();
        using var client = App.CreateAnonymousClient();
        var html = await client.GetStringAsync("Identity/Account/Login?ReturnUrl=%2FUploads%3Fpage%3D2");

        using var login = await client.PostAsync("Identity/Account/Login?ReturnUrl=%2FUploads%3Fpage%3D2", AbuseFixture.LoginForm(user.Email, user.Password, AppFixture.FormToken(html)));

        Assert.AreEqual("/Uploads?page=2", login.Headers.Location!.OriginalString);
    }

    [TestMethod]
    [DataRow("elsewhere.example")]
    [DataRow("elsewhere.example:8443")]
    public async Task A_foreign_Host_never_becomes_part_of_a_redirect(string host)
    {
        var before = await FootprintAsync();
        using var client = App.CreateAnonymousClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "Uploads");
        request.Headers.Host = host;

        using var response = await client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.IsFalse(response.Headers.Location!.IsAbsoluteUri, response.Headers.Location.ToString());
        Assert.DoesNotContain("elsewhere", response.Headers.Location.OriginalString);
        await AssertUnchangedAsync(before);
    }
}
