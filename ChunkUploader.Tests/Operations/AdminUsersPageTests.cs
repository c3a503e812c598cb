using System.Net;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Operations;

/// <summary>The admin users page through real HTTP: usage, quota changes, lock and unlock, the audit trail, and who may see it.</summary>
[TestClass]
public sealed class AdminUsersPageTests
{
    private static AppFixture App => AppFixture.Shared;
    private const long DefaultQuota = 50L * 1024 * 1024 * 1024;

    [TestMethod]
    public async Task Only_admins_reach_the_users_page_and_its_changes()
    {
        using var user = await App.NewSessionAsync();
        using var anonymous = App.CreateAnonymousClient();
        var target = await App.CreateUserAsync();

        using var page = await user.Client.GetAsync("Admin/Users");
        using var lockAttempt = await user.Client.PostAsync($"Admin/Users/{target.Id}/lock", Form(user.Token));
        using var redirected = await anonymous.GetAsync("Admin/Users");

        Assert.AreEqual(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, lockAttempt.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, redirected.StatusCode);
        StringAssert.Contains(redirected.Headers.Location!.ToString(), "/Identity/Account/Login");
        Assert.IsNull(await LockoutEndAsync(target));
    }

    [TestMethod]
    public async Task An_admin_sees_what_each_user_holds_their_quota_and_a_link_to_their_uploads()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        var idle = await App.CreateUserAsync();
        await SeedAsync(owner,
            (5_000, UploadStatus.Complete), (1_000, UploadStatus.Complete), (2_000, UploadStatus.Receiving),
            (999, UploadStatus.Failed), (777, UploadStatus.Deleted));

        var html = await PageAsync(admin, owner);
        var idleHtml = await PageAsync(admin, idle);

        var row = Row(html, owner);
        Assert.AreEqual("8000", Attribute(row, "data-bytes"), "two complete plus the declared size of the one in progress");
        Assert.AreEqual("2", Attribute(row, "data-files"));
        Assert.AreEqual("1", Attribute(row, "data-in-progress"));
        Assert.AreEqual(DefaultQuota.ToString(), Attribute(row, "data-quota"));
        StringAssert.Contains(row, $"href=\"/Admin/Uploads?user={Uri.EscapeDataString(owner.Email)}\"");
        StringAssert.Contains(row, "data-state=\"active\"");
        Assert.AreEqual("0", Attribute(Row(idleHtml, idle), "data-bytes"));
    }

    [TestMethod]
    public async Task Setting_a_quota_stores_it_audits_it_and_default_removes_it()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        var token = LoginForm.Token(await PageAsync(admin, owner));

        using var set = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/quota", Form(token, ("quota", "2 GiB")));
        var shown = Attribute(Row(await PageAsync(admin, owner), owner), "data-quota");
        var stored = await QuotaAsync(owner);
        using var bad = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/quota", Form(token, ("quota", "lots")));
        using var huge = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/quota", Form(token, ("quota", "99999999999999999999 TiB")));
        var storedAfterBad = await QuotaAsync(owner);
        using var reset = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/quota", Form(token, ("quota", "default")));

        Assert.AreEqual(HttpStatusCode.Redirect, set.StatusCode);
        Assert.AreEqual("2147483648", shown);
        Assert.AreEqual((2147483648L, admin.User.Email), stored);
        Assert.AreEqual(HttpStatusCode.BadRequest, bad.StatusCode);
        StringAssert.Contains(await bad.Content.ReadAsStringAsync(), "'lots' is not a quota");
        Assert.AreEqual(HttpStatusCode.BadRequest, huge.StatusCode, "more than 8 EiB is not a quota, and no 500");
        Assert.AreEqual(stored, storedAfterBad, "a refused value changes nothing");
        Assert.AreEqual(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.IsNull(await QuotaAsync(owner));
        var events = await AuditAsync(owner, "user.quota");
        Assert.AreEqual(2, events.Count);
        Assert.IsTrue(events.All(e => e.Actor == admin.User.Email));
        StringAssert.Contains(events[0].Detail, "2147483648 bytes");
        StringAssert.Contains(await PageAsync(admin, owner), $"<td>user.quota</td>");
    }

    [TestMethod]
    public async Task Locking_a_user_stops_their_sign_in_and_unlocking_lets_them_back_with_both_audited()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        var token = LoginForm.Token(await PageAsync(admin, owner));

        using var locked = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/lock", Form(token));
        var lockedRow = Row(await PageAsync(admin, owner), owner);
        var refusedSignIn = await LoginForm.SignInRedirectAsync(App.CreateAnonymousClient(), owner);
        using var unlocked = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/unlock", Form(token));
        using var signedIn = await App.SignInAsync(owner);
        using var self = await admin.Client.PostAsync($"Admin/Users/{admin.User.Id}/lock", Form(token));

        Assert.AreEqual(HttpStatusCode.Redirect, locked.StatusCode);
        StringAssert.Contains(lockedRow, "data-state=\"locked\"");
        StringAssert.Contains(refusedSignIn, "/Identity/Account/Lockout", "the locked user is sent to the lockout page, not signed in");
        Assert.AreEqual(HttpStatusCode.Redirect, unlocked.StatusCode);
        Assert.IsNull(await LockoutEndAsync(owner));
        Assert.AreEqual(HttpStatusCode.BadRequest, self.StatusCode, "an admin cannot lock themselves out");
        Assert.AreEqual(1, (await AuditAsync(owner, "user.lock")).Count);
        Assert.AreEqual(1, (await AuditAsync(owner, "user.unlock")).Count);
    }

    [TestMethod]
    public async Task Locking_a_user_ends_the_sessions_they_are_uploading_with_at_once()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        using var owner = await App.NewSessionAsync();
        using var otherTab = await App.SignInAsync(owner.User);
        var file = TestFile.Random(3 * 65536, 65536);
        using var first = await owner.SendChunkAsync(file, 1);
        var token = LoginForm.Token(await PageAsync(admin, owner.User));

        using var locked = await admin.Client.PostAsync($"Admin/Users/{owner.User.Id}/lock", Form(token));
        using var next = await owner.SendChunkAsync(file, 2);
        using var probe = await otherTab.ProbeAsync(file, 2);

        Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, next.StatusCode, "the upload stops now, not at the next security-stamp check");
        Assert.AreEqual(HttpStatusCode.Unauthorized, probe.StatusCode, "every session of the user ends, not only one");
        Assert.AreEqual(0, await SessionsAsync(owner.User));
        StringAssert.Contains((await AuditAsync(owner.User, "user.lock")).Single().Detail, "2 session(s) ended");
    }

    [TestMethod]
    public async Task Locking_a_user_already_locked_out_for_wrong_passwords_locks_them_until_unlocked_and_ends_their_sessions()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        using var owner = await App.NewSessionAsync();
        // What five wrong passwords leave: locked out for a while, the sessions still open.
        await using (var scope = App.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.Where(u => u.Id == owner.User.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnd, DateTimeOffset.UtcNow.AddMinutes(15)));
        var html = await PageAsync(admin, owner.User);
        var row = Row(html, owner.User);

        using var locked = await admin.Client.PostAsync($"Admin/Users/{owner.User.Id}/lock", Form(LoginForm.Token(html)));
        using var probe = await owner.ProbeAsync(TestFile.Random(1000, 1024), 1);

        StringAssert.Contains(row, "data-state=\"locked-out\"");
        StringAssert.Contains(row, $"/Admin/Users/{owner.User.Id}/lock", "a temporary lockout can still be made a lock");
        Assert.AreEqual(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.IsGreaterThan(DateTimeOffset.UtcNow.AddYears(100), (await LockoutEndAsync(owner.User))!.Value, "locked until unlocked");
        Assert.AreEqual(HttpStatusCode.Unauthorized, probe.StatusCode);
        Assert.AreEqual(0, await SessionsAsync(owner.User));
        StringAssert.Contains(Row(await PageAsync(admin, owner.User), owner.User), "data-state=\"locked\"");
    }

    [TestMethod]
    public async Task Removing_an_admin_ends_their_sessions_so_the_admin_pages_close_to_them_at_once()
    {
        using var keeper = await App.NewSessionAsync(admin: true);
        using var leaving = await App.NewSessionAsync(admin: true);
        using (var before = await leaving.Client.GetAsync("Admin/Users")) Assert.AreEqual(HttpStatusCode.OK, before.StatusCode);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<ChunkUploader.Web.Services.Accounts.UserAccounts>();
            var change = await accounts.DemoteAsync((await accounts.FindByIdAsync(leaving.User.Id))!, keeper.User.Email, CancellationToken.None);
            Assert.IsTrue(change.Succeeded, change.Message);
            StringAssert.Contains(change.Message, "1 session(s) ended");
        }
        using var after = await leaving.Client.GetAsync("Admin/Users");
        using var signedInAgain = await App.SignInAsync(leaving.User);
        using var asUser = await signedInAgain.Client.GetAsync("Admin/Users");

        Assert.AreEqual(HttpStatusCode.Redirect, after.StatusCode, "the session that carried the Admin role is over");
        Assert.AreEqual(1, await SessionsAsync(leaving.User), "only the new sign-in's session is left");
        Assert.AreEqual(HttpStatusCode.Forbidden, asUser.StatusCode);
    }

    [TestMethod]
    public async Task A_password_reset_ends_the_sessions_and_only_the_new_password_signs_in()
    {
        using var owner = await App.NewSessionAsync();
        string password;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<ChunkUploader.Web.Services.Accounts.UserAccounts>();
            var (change, issued) = await accounts.ResetPasswordAsync((await accounts.FindByIdAsync(owner.User.Id))!, "cli:test", CancellationToken.None);
            Assert.IsTrue(change.Succeeded, change.Message);
            password = issued!;
        }
        using var probe = await owner.ProbeAsync(TestFile.Random(1000, 1024), 1);
        using var withOld = await LoginForm.PostAsync(App.CreateAnonymousClient(), owner.User);
        using var withNew = await App.SignInAsync(owner.User with { Password = password });
        using var forgot = await App.CreateAnonymousClient().GetAsync("Identity/Account/ForgotPassword");

        Assert.AreEqual(HttpStatusCode.Unauthorized, probe.StatusCode, "the sessions ended");
        Assert.AreEqual(HttpStatusCode.OK, withOld.StatusCode, "the old password no longer signs in: the form again, no redirect");
        StringAssert.Contains(await withOld.Content.ReadAsStringAsync(), "Invalid login attempt");
        Assert.AreEqual(HttpStatusCode.NoContent, (await withNew.ProbeAsync(TestFile.Random(1000, 1024), 1)).StatusCode);
        Assert.AreEqual(1, (await AuditAsync(owner.User, "user.password-reset")).Count);
        StringAssert.Contains(await forgot.Content.ReadAsStringAsync(), "Ask an administrator to reset");
    }

    [TestMethod]
    public async Task Changes_without_the_antiforgery_token_or_for_an_unknown_user_are_refused()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        var token = LoginForm.Token(await PageAsync(admin, owner));

        using var noToken = await admin.Client.PostAsync($"Admin/Users/{owner.Id}/lock", new FormUrlEncodedContent([]));
        using var unknown = await admin.Client.PostAsync($"Admin/Users/{Guid.NewGuid()}/lock", Form(token));
        using var badPage = await admin.Client.GetAsync("Admin/Users?page=2147483647");
        using var wordPage = await admin.Client.GetAsync("Admin/Users?page=x");

        Assert.AreEqual(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, wordPage.StatusCode, "not silently page 1");
        Assert.IsNull(await LockoutEndAsync(owner));
    }

    private static async Task<string> PageAsync(ApiSession admin, TestUser filterTo)
    {
        using var response = await admin.Client.GetAsync($"Admin/Users?email={Uri.EscapeDataString(filterTo.Email)}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, html);
        return html;
    }

    private static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);

    private static string Row(string html, TestUser user)
    {
        var match = Regex.Match(html, $"<tr id=\"user-{Regex.Escape(user.Id)}\".*?</tr>", RegexOptions.Singleline);
        Assert.IsTrue(match.Success, $"no row for {user.Email}");
        return match.Value;
    }

    private static string Attribute(string html, string name) => Regex.Match(html, $"{name}=\"([^\"]*)\"").Groups[1].Value;

    private static async Task SeedAsync(TestUser owner, params (long Size, UploadStatus Status)[] uploads)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = DateTime.UtcNow;
        db.Uploads.AddRange(uploads.Select(u => new Upload
        {
            Id = Guid.CreateVersion7(), UserId = owner.Id, Identifier = Guid.NewGuid().ToString("N"), FileName = "f.bin", RelativePath = "f.bin",
            TotalSize = u.Size, ChunkSize = 1024, TotalChunks = 1, Status = u.Status, StartedAt = now, UpdatedAt = now,
            // Records only: a complete one without a hash would be taken up by the hasher, find no file, and be marked failed.
            Sha256 = u.Status == UploadStatus.Complete ? new string('0', 64) : null,
        }));
        await db.SaveChangesAsync();
    }

    private static async Task<(long, string)?> QuotaAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var quota = await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserQuotas.AsNoTracking().SingleOrDefaultAsync(q => q.UserId == user.Id);
        return quota is null ? null : (quota.QuotaBytes, quota.UpdatedBy);
    }

    private static async Task<int> SessionsAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.CountAsync(s => s.UserId == user.Id);
    }

    private static async Task<DateTimeOffset?> LockoutEndAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync();
    }

    private static async Task<List<AuditEvent>> AuditAsync(TestUser subject, string action)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEvents.AsNoTracking()
            .Where(a => a.Subject == subject.Email && a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }
}
