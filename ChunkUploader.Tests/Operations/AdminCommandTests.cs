using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary>The account commands run as an operator runs them: the built app as a child process on a fresh installation.</summary>
[TestClass]
public sealed class AdminCommandTests
{
    [TestMethod]
    public async Task Admin_add_with_create_prints_a_password_that_signs_in_to_the_admin_history()
    {
        using var site = new Installation("first-admin");
        const string email = "first-admin@ops.test";

        await site.RunSuccessfullyAsync("migrate");
        var admin = await site.CreateAdminAsync(email);
        var listed = await site.RunSuccessfullyAsync("admin", "list");

        Assert.IsTrue(admin.Password.Length >= 12, admin.Password);
        StringAssert.Contains(listed.Output, email);
        Assert.AreEqual(1, await site.ScalarAsync($"SELECT count(*) FROM AuditEvents WHERE Action = 'admin.add' AND Subject = '{email}' AND Actor LIKE 'cli:%'"));

        await using var server = await site.StartServerAsync(new TestUser("", $"seeded-{Guid.NewGuid():N}@ops.test", "Seed-Pass-1234!"));
        using var session = await AppFixture.SignInAsync(server.BaseAddress, admin);
        using var history = await session.Client.GetAsync("Admin/Uploads");
        Assert.AreEqual(HttpStatusCode.OK, history.StatusCode);
    }

    [TestMethod]
    public async Task Lock_unlock_and_remove_change_the_account_and_each_leaves_an_audit_event()
    {
        using var site = new Installation("accounts");
        await site.RunSuccessfullyAsync("migrate");
        await site.RunSuccessfullyAsync("admin", "add", "keeper@ops.test", "--create");
        await site.RunSuccessfullyAsync("admin", "add", "leaver@ops.test", "--create");

        await site.RunSuccessfullyAsync("user", "lock", "leaver@ops.test");
        var lockedAt = await site.ScalarAsync("SELECT count(*) FROM AspNetUsers WHERE Email = 'leaver@ops.test' AND LockoutEnd IS NOT NULL");
        var listedLocked = await site.RunSuccessfullyAsync("admin", "list");
        await site.RunSuccessfullyAsync("user", "unlock", "leaver@ops.test");
        var lockedAfterUnlock = await site.ScalarAsync("SELECT count(*) FROM AspNetUsers WHERE Email = 'leaver@ops.test' AND LockoutEnd IS NOT NULL");
        var reset = await site.RunSuccessfullyAsync("user", "reset-password", "leaver@ops.test");
        await site.RunSuccessfullyAsync("admin", "remove", "leaver@ops.test");
        var lastAdmin = await site.RunAsync("admin", "remove", "keeper@ops.test");
        var listed = await site.RunSuccessfullyAsync("admin", "list");

        StringAssert.Contains(reset.Output, "The password of leaver@ops.test is reset");
        StringAssert.Matches(reset.Output, new System.Text.RegularExpressions.Regex(@"Password: \S{24}"));
        Assert.AreEqual(1, lockedAt);
        StringAssert.Contains(listedLocked.Output, "leaver@ops.test (locked)");
        Assert.AreEqual(0, lockedAfterUnlock);
        Assert.AreEqual(1, lastAdmin.ExitCode, lastAdmin.ToString());
        StringAssert.Contains(lastAdmin.Error, "last admin");
        Assert.AreEqual("keeper@ops.test", listed.Output.Trim());
        foreach (var action in new[] { "user.lock", "user.unlock", "user.password-reset", "admin.remove" })
            Assert.AreEqual(1, await site.ScalarAsync($"SELECT count(*) FROM AuditEvents WHERE Action = '{action}' AND Subject = 'leaver@ops.test'"), action);
    }

    [TestMethod]
    public async Task User_change_email_makes_the_account_sign_in_with_the_new_address_only_and_ends_its_sessions()
    {
        using var site = new Installation("change-email");
        await site.RunSuccessfullyAsync("migrate");
        var user = await site.CreateAdminAsync("old-address@ops.test");
        await using var server = await site.StartServerAsync(new TestUser("", $"seeded-{Guid.NewGuid():N}@ops.test", "Seed-Pass-1234!"));
        using var before = await AppFixture.SignInAsync(server.BaseAddress, user);

        var changed = await site.RunSuccessfullyAsync("user", "change-email", "old-address@ops.test", "new-address@ops.test");

        StringAssert.Contains(changed.Output, "old-address@ops.test now signs in as new-address@ops.test; 1 session(s) ended");
        // A server remembers a session it read for 5 s, and the command ended it from another process.
        await Poll.UntilAsync(async () =>
        {
            using var uploads = await before.Client.GetAsync("Uploads");
            return uploads.StatusCode == HttpStatusCode.Redirect;
        }, "the session begun under the old address has ended (Uploads redirects to the login)", seconds: 10);
        using (var client = AppFixture.CreateAnonymousClient(server.BaseAddress))
        using (var oldAddress = await LoginForm.PostAsync(client, user))
            Assert.AreEqual(HttpStatusCode.OK, oldAddress.StatusCode, "the old address no longer signs in");
        using var after = await AppFixture.SignInAsync(server.BaseAddress, user with { Email = "new-address@ops.test" });
        StringAssert.Contains(await after.Client.GetStringAsync("Identity/Account/Manage/Email"), "new-address@ops.test");
        Assert.AreEqual(1, await site.ScalarAsync("SELECT count(*) FROM AspNetUsers WHERE Email = 'new-address@ops.test' AND UserName = 'new-address@ops.test' AND NormalizedEmail = 'NEW-ADDRESS@OPS.TEST' AND EmailConfirmed = 1"));
        Assert.AreEqual(1, await site.ScalarAsync("SELECT count(*) FROM AuditEvents WHERE Action = 'user.email-change' AND Subject = 'old-address@ops.test' AND Detail LIKE '%new-address@ops.test%'"));
    }

    [TestMethod]
    public async Task Commands_with_bad_arguments_exit_non_zero_with_a_message_and_change_nothing()
    {
        using var site = new Installation("bad-arguments");
        var noDatabase = await site.RunAsync("admin", "list");
        Assert.AreEqual(1, noDatabase.ExitCode, noDatabase.ToString());
        StringAssert.Contains(noDatabase.Error, "no database");
        Assert.IsFalse(File.Exists(site.DatabaseFile), "asking about a missing database does not create one");

        await site.RunSuccessfullyAsync("migrate");
        await site.RunSuccessfullyAsync("admin", "add", "only-admin@ops.test", "--create");
        var occupied = site.Sibling("occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "mine");
        var before = await StateAsync(site);

        (string[] Args, int Exit, string Message)[] cases =
        [
            (["admin"], 2, "Unknown or incomplete command"),
            (["admin", "add"], 2, "Unknown or incomplete command"),
            (["admin", "add", "not-an-email"], 2, "is not an email address"),
            (["admin", "add", "x@ops.test", "--sudo"], 2, "Unknown or incomplete command"),
            (["admin", "add", "nobody@ops.test"], 1, "No account has the email nobody@ops.test"),
            (["admin", "add", "only-admin@ops.test", "--create"], 1, "already has an account"),
            (["admin", "remove", "nobody@ops.test"], 1, "No account has the email"),
            (["admin", "remove", "only-admin@ops.test"], 1, "last admin"),
            (["user", "freeze", "only-admin@ops.test"], 2, "Unknown or incomplete command"),
            (["user", "lock"], 2, "Unknown or incomplete command"),
            (["user", "reset-password", "nobody@ops.test"], 1, "No account has the email"),
            (["user", "change-email", "nobody@ops.test", "new@ops.test"], 1, "No account has the email nobody@ops.test"),
            (["user", "change-email", "only-admin@ops.test", "not-an-email"], 2, "'not-an-email' is not an email address"),
            (["user", "change-email", "only-admin@ops.test"], 2, "Unknown or incomplete command"),
            (["user", "change-email", "only-admin@ops.test", "ONLY-ADMIN@ops.test"], 1, "already belongs to an account"),
            (["backup"], 2, "Unknown or incomplete command"),
            (["backup", occupied], 1, "is not empty"),
            (["restore", site.Sibling("no-such-backup")], 1, "is not a backup"),
            (["verify", "--fix"], 2, "Unknown or incomplete command"),
            (["migrate", "down"], 2, "Unknown or incomplete command"),
            (["verfiy"], 2, "Unknown or incomplete command: verfiy"),
            (["ADMIN", "list"], 2, "Unknown or incomplete command"),
            (["backup", ""], 2, "Unknown or incomplete command"),
            (["restore", " "], 2, "Unknown or incomplete command"),
        ];
        foreach (var (args, exit, message) in cases)
        {
            var result = await site.RunAsync(args);
            Assert.AreEqual(exit, result.ExitCode, $"{string.Join(' ', args)}: {result}");
            StringAssert.Contains(result.Error, message, $"{string.Join(' ', args)}: {result}");
        }

        var help = await site.RunAsync("--help");
        Assert.AreEqual(0, help.ExitCode, help.ToString());
        StringAssert.Contains(help.Output, "Commands (run as: dotnet ChunkUploader.Web.dll <command>)");

        Assert.AreEqual(before, await StateAsync(site), "no bad command changed the database");
        CollectionAssert.AreEqual(new[] { "keep.txt" }, Directory.GetFileSystemEntries(occupied).Select(Path.GetFileName).ToArray());
        Assert.IsFalse(Directory.Exists(site.Sibling("no-such-backup")));
    }

    private static async Task<string> StateAsync(Installation site) => string.Join(", ",
        await site.ScalarAsync("SELECT count(*) FROM AspNetUsers"),
        await site.ScalarAsync("SELECT count(*) FROM AspNetUserRoles"),
        await site.ScalarAsync("SELECT count(*) FROM AspNetUsers WHERE LockoutEnd IS NOT NULL"),
        await site.ScalarAsync("SELECT count(*) FROM AuditEvents"));
}
