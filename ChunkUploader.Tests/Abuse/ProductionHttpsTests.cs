using System.Net;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Abuse;

/// <summary>The production defaults over real HTTPS: HSTS, Secure cookies, no-store, the error page, AllowedHosts, closed registration.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ProductionHttpsTests
{
    private static ProductionHost _host = null!;

    [ClassInitialize]
    public static void Start(TestContext _) => _host = ProductionHost.Start();

    [ClassCleanup]
    public static async Task Stop()
    {
        var errors = _host.UnexpectedErrors.ToList();
        await _host.DisposeAsync();
        Assert.IsEmpty(errors, "the production host logged errors:\n" + string.Join("\n", errors));
    }

    [TestMethod]
    public async Task Every_answer_carries_HSTS()
    {
        using var client = _host.CreateHttpsClient();

        using var response = await client.GetAsync("Identity/Account/Login");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var hsts = string.Join(",", response.Headers.GetValues("Strict-Transport-Security"));
        StringAssert.Contains(hsts, "max-age=31536000");
    }

    [TestMethod]
    public async Task The_antiforgery_and_session_cookies_are_Secure_and_HttpOnly()
    {
        using var client = _host.CreateHttpsClient();
        using var pageResponse = await client.GetAsync("Identity/Account/Login");
        var page = await pageResponse.Content.ReadAsStringAsync();
        var user = await AppFixture.CreateUserAsync(_host.Services);
        using var login = await client.PostAsync("Identity/Account/Login", AbuseFixture.LoginForm(user.Email, user.Password, AppFixture.FormToken(page)));

        Assert.AreEqual(HttpStatusCode.Redirect, login.StatusCode);
        var cookies = pageResponse.Headers.GetValues("Set-Cookie").Concat(login.Headers.GetValues("Set-Cookie")).ToList();
        Assert.IsTrue(cookies.Any(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)), string.Join("\n", cookies));
        Assert.IsTrue(cookies.Any(c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal)), string.Join("\n", cookies));
        foreach (var cookie in cookies)
        {
            StringAssert.Contains(cookie.ToLowerInvariant(), "; secure", cookie);
            StringAssert.Contains(cookie.ToLowerInvariant(), "; httponly", cookie);
        }
    }

    [TestMethod]
    [DataRow("api/uploads")]
    [DataRow("Uploads")]
    [DataRow("Identity/Account/Login")]
    public async Task Private_answers_are_not_stored_by_any_cache(string path)
    {
        using var session = await _host.NewSessionAsync();

        using var response = await session.Client.GetAsync(path);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsTrue(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control {response.Headers.CacheControl}");
    }

    [TestMethod]
    public async Task A_download_is_not_stored_by_any_cache()
    {
        using var session = await _host.NewSessionAsync();
        var (id, _) = await AbuseFixture.CompletedUploadAsync(session);

        using var download = await session.Client.GetAsync($"Uploads/{id}/download");

        Assert.AreEqual(HttpStatusCode.OK, download.StatusCode);
        Assert.IsTrue(download.Headers.CacheControl?.NoStore, $"Cache-Control {download.Headers.CacheControl}");
        Assert.AreEqual("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [TestMethod]
    public async Task A_server_fault_shows_the_error_page_without_a_stack_trace()
    {
        using var client = _host.CreateHttpsClient();

        using var response = await client.GetAsync(ProductionHost.FaultPath.TrimStart('/'));

        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        StringAssert.Contains(body, "Something went wrong.");
        Assert.DoesNotContain(ProductionHost.FaultMessage, body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain("ProductionHost", body, "no stack frame names the code that threw");
        Assert.IsTrue(response.Headers.CacheControl?.NoStore);
    }

    [TestMethod]
    [DataRow("elsewhere.example")]
    [DataRow("127.0.0.1")]
    public async Task A_Host_not_in_AllowedHosts_gets_400_and_no_redirect(string host)
    {
        using var client = _host.CreateHttpsClient(host);

        using var protectedPage = await client.GetAsync("Uploads");
        using var login = await client.GetAsync("Identity/Account/Login?ReturnUrl=%2FUploads");

        foreach (var response in new[] { protectedPage, login })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.IsNull(response.Headers.Location, "no URL is built from a foreign Host");
        }
    }

    [TestMethod]
    [DataRow("Identity/Account/Register")]
    [DataRow("Identity/Account/Register/")]
    [DataRow("identity/account/REGISTER/")]
    [DataRow("Identity/Account/ExternalLogin/")]
    public async Task With_registration_closed_the_register_page_and_its_post_answer_404(string address)
    {
        using var client = _host.CreateHttpsClient();

        using var page = await client.GetAsync(address);
        using var post = await client.PostAsync(address, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = "intruder@test.local",
            ["Input.Password"] = "Test-Pass-1234!",
            ["Input.ConfirmPassword"] = "Test-Pass-1234!",
        }));

        foreach (var response in new[] { page, post })
        {
            Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "Registration is closed");
        }
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        Assert.IsNull(await users.FindByEmailAsync("intruder@test.local"));
    }
}
