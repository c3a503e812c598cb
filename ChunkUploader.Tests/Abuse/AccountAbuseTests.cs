using System.Net;
using System.Net.Sockets;
using System.Text;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>Password guessing meets the lockout; a cookie copied before sign-out is worthless after it.</summary>
[TestClass]
public sealed class AccountAbuseTests
{
    [TestMethod]
    [DataRow(300, DisplayName = "a 300-character name before the @")]
    [DataRow(5_000, DisplayName = "a 5,000-character domain")]
    public async Task Registering_an_email_longer_than_its_column_shows_why_and_creates_nothing(int length)
    {
        var before = await FootprintAsync();
        var email = length < 1000 ? new string('a', length) + "@example.org" : "a@" + new string('b', length) + ".org";
        using var client = App.CreateAnonymousClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/Register"));

        using var registered = await client.PostAsync("Identity/Account/Register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = "Test-Pass-1234!", ["Input.ConfirmPassword"] = "Test-Pass-1234!", ["__RequestVerificationToken"] = token,
        }));

        Assert.AreEqual(HttpStatusCode.OK, registered.StatusCode, "the form again");
        StringAssert.Contains(await registered.Content.ReadAsStringAsync(), "longer than 256 characters");
        await using var scope = App.Services.CreateAsyncScope();
        Assert.IsFalse(await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.AnyAsync(u => u.Email!.StartsWith(email.Substring(0, 20))));
        await AssertUnchangedAsync(before);
    }

    [TestMethod]
    [DataRow("/Identity/Account/Login", 1L << 30, false, "413", DisplayName = "a sign-in form longer than any request this server takes")]
    [DataRow("/Identity/Account/Register", 1000L, true, "400", DisplayName = "a registration form cut off on the way")]
    public async Task An_account_form_too_long_or_cut_off_gets_a_4xx_and_logs_no_error(string path, long declaredLength, bool hangUp, string status)
    {
        var before = await FootprintAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, App.BaseAddress.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {App.BaseAddress.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
            $"Content-Length: {declaredLength}\r\nConnection: close\r\n\r\nEmail=a%40example.org"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (hangUp)
        {
            // The answer may not reach a sender that hung up (the server resets the connection); what counts is that
            // the server took it for the sender's fault, not its own. It logs that a moment after the reset.
            socket.Shutdown(SocketShutdown.Send);
            try { await reader.ReadToEndAsync(); } catch (IOException) { }
            await Task.Delay(TimeSpan.FromSeconds(1));
            await AssertUnchangedAsync(before);
            return;
        }
        var answer = await reader.ReadToEndAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        StringAssert.StartsWith(answer, $"HTTP/1.1 {status}");
        StringAssert.Contains(answer, "The form could not be read");
        await AssertUnchangedAsync(before);
    }

    [TestMethod]
    public async Task Five_wrong_passwords_lock_the_account_for_15_minutes_and_then_even_the_right_one_is_refused()
    {
        var user = await App.CreateUserAsync();
        using var client = App.CreateAnonymousClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/Login"));

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            using var wrong = await SignInAsync(client, token, user.Email, "Wrong-Pass-" + attempt);
            Assert.AreEqual(HttpStatusCode.OK, wrong.StatusCode, $"attempt {attempt} shows the form again");
            StringAssert.Contains(await wrong.Content.ReadAsStringAsync(), "Invalid login attempt");
        }
        using var fifth = await SignInAsync(client, token, user.Email, "Wrong-Pass-5");
        StringAssert.Contains(fifth.Headers.Location?.OriginalString ?? "", "/Identity/Account/Lockout", "the fifth failure locks the account");
        using var right = await SignInAsync(client, token, user.Email, user.Password);

        Assert.AreEqual(HttpStatusCode.Redirect, right.StatusCode);
        StringAssert.Contains(right.Headers.Location!.OriginalString, "/Identity/Account/Lockout");
        StringAssert.Contains(await client.GetStringAsync(right.Headers.Location), "locked out");
        using var api = await client.GetAsync("api/uploads");
        Assert.AreEqual(HttpStatusCode.Unauthorized, api.StatusCode, "not signed in");
        await using var scope = App.Services.CreateAsyncScope();
        var lockedUntil = (await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByIdAsync(user.Id))!.LockoutEnd!.Value;
        Assert.IsTrue(Math.Abs((lockedUntil - DateTimeOffset.UtcNow - TimeSpan.FromMinutes(15)).TotalMinutes) < 2, $"locked until {lockedUntil:O}");
    }

    [TestMethod]
    [DataRow("Identity/Account/RegisterConfirmation?email={0}")]
    [DataRow("Identity/Account/RegisterConfirmation/?email={0}")]
    [DataRow("Identity/Account/ResendEmailConfirmation")]
    [DataRow("Identity/Account/ConfirmEmail?userId=x&code=y")]
    [DataRow("Identity/Account/ResetPassword?code=x")]
    [DataRow("Identity/Account/ForgotPasswordConfirmation")]
    public async Task The_pages_of_links_sent_by_email_answer_404_since_none_is_ever_sent(string address)
    {
        var user = await App.CreateUserAsync();
        using var client = App.CreateAnonymousClient();

        using var page = await client.GetAsync(string.Format(address, Uri.EscapeDataString(user.Email)));
        var login = await client.GetStringAsync("Identity/Account/Login");

        Assert.AreEqual(HttpStatusCode.NotFound, page.StatusCode);
        StringAssert.StartsWith(await page.Content.ReadAsStringAsync(), "This server sends no email", "our answer, not Identity's page with its link");
        Assert.DoesNotContain("ResendEmailConfirmation", login, "the log-in page offers no email it cannot send");
    }

    [TestMethod]
    public async Task The_email_page_shows_the_address_and_offers_no_change_that_would_wait_for_an_email()
    {
        using var session = await App.NewSessionAsync();

        var page = await session.Client.GetStringAsync("Identity/Account/Manage/Email");
        var form = new Dictionary<string, string> { ["Input.NewEmail"] = "elsewhere@example.test", ["__RequestVerificationToken"] = AppFixture.FormToken(page) };
        using var change = await session.Client.PostAsync("Identity/Account/Manage/Email?handler=ChangeEmail", new FormUrlEncodedContent(form));

        StringAssert.Contains(page, session.User.Email);
        StringAssert.Contains(page, "ask an administrator");
        Assert.DoesNotContain("Input.NewEmail", page, "no form for a change the server could never confirm");
        Assert.AreNotEqual(HttpStatusCode.Redirect, change.StatusCode, "no change is taken");
        using (var anonymous = App.CreateAnonymousClient())
        using (var signedOut = await anonymous.GetAsync("Identity/Account/Manage/Email"))
            StringAssert.Contains(signedOut.Headers.Location?.ToString(), "Account/Login", "the page is for a signed-in user");
        await using var scope = App.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByIdAsync(session.User.Id);
        Assert.AreEqual(session.User.Email, stored!.Email);
    }

    [TestMethod]
    public async Task A_cookie_copied_before_sign_out_no_longer_works_after_it()
    {
        var (session, jar) = await SessionWithCookiesAsync();
        using var _ = session;
        var thiefsJar = new CookieContainer();
        foreach (Cookie cookie in jar.GetAllCookies()) thiefsJar.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
        using var thief = ClientWith(thiefsJar);
        using (var stolen = await thief.GetAsync("api/uploads")) Assert.AreEqual(HttpStatusCode.OK, stolen.StatusCode, "the copy works while the session lives");
        var before = await SessionCountAsync(session.User.Id);

        var token = AppFixture.FormToken(await session.Client.GetStringAsync("Uploads"));
        using var signOut = await session.Client.PostAsync("Identity/Account/Logout?returnUrl=%2F", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.AreEqual(HttpStatusCode.Redirect, signOut.StatusCode);
        using var afterwards = await thief.GetAsync("api/uploads");
        Assert.AreEqual(HttpStatusCode.Unauthorized, afterwards.StatusCode, "the copied cookie no longer signs anyone in");
        Assert.AreEqual(before - 1, await SessionCountAsync(session.User.Id), "the session row is gone");
    }

    [TestMethod]
    public async Task Signing_out_of_one_browser_leaves_the_users_other_session_signed_in()
    {
        var user = await App.CreateUserAsync();
        using var laptop = await App.SignInAsync(user);
        using var phone = await App.SignInAsync(user);

        var token = AppFixture.FormToken(await laptop.Client.GetStringAsync("Uploads"));
        using var signOut = await laptop.Client.PostAsync("Identity/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        using var laptopApi = await laptop.Client.GetAsync("api/uploads");
        Assert.AreEqual(HttpStatusCode.Unauthorized, laptopApi.StatusCode);
        await phone.UploadsAsync();
        Assert.AreEqual(1, await SessionCountAsync(user.Id));
    }

    [TestMethod]
    [DataRow("0123456789abcdef0123456789abcdef")]
    [DataRow("garbage")]
    public async Task A_forged_session_cookie_signs_nobody_in(string value)
    {
        var before = await FootprintAsync();
        using var client = App.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Identity.Application=" + value);

        using var response = await client.GetAsync("api/uploads");

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "Sign in first", before);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string token, string email, string password) =>
        client.PostAsync("Identity/Account/Login", AbuseFixture.LoginForm(email, password, token));

    private static async Task<int> SessionCountAsync(string userId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.CountAsync(s => s.UserId == userId);
    }
}
