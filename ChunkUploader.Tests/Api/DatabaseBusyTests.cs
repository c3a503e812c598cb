using System.Data.Common;
using System.Net;
using System.Text.Json;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Security;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChunkUploader.Tests.Api;

/// <summary>Another process holds the database longer than a chunk may wait for it: a 503 the page retries, not a 500 that fails the file.</summary>
[TestClass]
public sealed class DatabaseBusyTests
{
    [TestMethod]
    public async Task A_chunk_that_finds_the_database_held_elsewhere_past_its_wait_is_answered_503_and_completes_when_sent_again()
    {
        using var installation = new Installation("busy-database");
        var user = new TestUser("", $"busy-{Guid.NewGuid():N}@test.local", "Busy-Pass-1234!");
        var file = TestFile.Random(50_000, 1024 * 1024, "held.bin");
        var larger = TestFile.Random(3 * 1024 * 1024, 1024 * 1024, "held-larger.bin");
        await using var app = await installation.StartServerAsync(user);
        using var session = await AppFixture.SignInAsync(app.BaseAddress, user);

        await using (await HoldUploadsAsync(await TestDatabase.ForStorageRootAsync(installation.StorageRoot)))
        {
            // Side by side, so that both wait out the database's timeout at once.
            var answers = await Task.WhenAll(session.SendChunkAsync(file, 1), session.SendChunkAsync(larger, 1));
            foreach (var (refused, kind) in answers.Zip(["a file of one chunk", "the first chunk of a larger file"]))
            {
                using var _ = refused;
                Assert.AreEqual(HttpStatusCode.ServiceUnavailable, refused.StatusCode, $"{kind}: {await refused.Content.ReadAsStringAsync()}");
                Assert.IsNotNull(refused.Headers.RetryAfter?.Delta, "it says when to send the chunk again");
                StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "busy");
            }
        }
        var stored = new[] { "chunks", "files" }.Select(area => Path.Combine(installation.StorageRoot, area)).Where(Directory.Exists)
            .SelectMany(area => Directory.EnumerateFiles(area, "*", SearchOption.AllDirectories)).ToList();
        Assert.IsEmpty(stored, "a refused chunk leaves no bytes behind, whole file or partial: " + string.Join(", ", stored));

        using var resent = await session.SendChunkAsync(file, 1);
        Assert.AreEqual(HttpStatusCode.OK, resent.StatusCode, await resent.Content.ReadAsStringAsync());
        var id = UploadEndpointTests.SingleCompletion([JsonDocument.Parse(await resent.Content.ReadAsStringAsync()).RootElement]);
        Assert.AreEqual(file.Sha256, (await session.WaitForHashAsync(id)).GetProperty("sha256").GetString());
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("items").GetArrayLength(), "one record of the file");
        Assert.IsFalse(app.LoggedErrors.Any(), string.Join('\n', app.LoggedErrors));
    }

    [TestMethod]
    public async Task Signing_in_or_reading_a_session_while_the_database_is_held_elsewhere_is_answered_503_not_500_or_not_signed_in()
    {
        using var installation = new Installation("busy-sessions");
        var user = new TestUser("", $"busy-{Guid.NewGuid():N}@test.local", "Busy-Pass-1234!");
        var file = TestFile.Random(10_000, 1024 * 1024, "probed.bin");
        await using var app = await installation.StartServerAsync(user);
        using var session = await AppFixture.SignInAsync(app.BaseAddress, user);
        using var newcomer = AppFixture.CreateAnonymousClient(app.BaseAddress);
        var loginToken = LoginForm.Token(await newcomer.GetStringAsync("Identity/Account/Login"));
        await Task.Delay(DatabaseTicketStore.RecentReadLifetime + TimeSpan.FromSeconds(1)); // the session's next read goes to the database
        var database = await TestDatabase.ForStorageRootAsync(installation.StorageRoot);

        await using (await HoldSessionsAsync(database))
        {
            var signIn = newcomer.PostAsync("Identity/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = user.Email, ["Input.Password"] = user.Password, ["__RequestVerificationToken"] = loginToken,
            }));
            var probe = session.ProbeAsync(file, 1);
            using var refusedSignIn = await signIn;
            using var probed = await probe;

            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, refusedSignIn.StatusCode, "a sign-in that cannot store its session");
            Assert.IsNotNull(refusedSignIn.Headers.RetryAfter?.Delta);
            StringAssert.Contains(await refusedSignIn.Content.ReadAsStringAsync(), "busy");
            // SQLite's write lock does not hold readers back; PostgreSQL's lock on the sessions table does.
            var expectedProbe = database.Provider == "PostgreSQL" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.NoContent;
            Assert.AreEqual(expectedProbe, probed.StatusCode, "a session that cannot be read is not taken for no session (401): " + await probed.Content.ReadAsStringAsync());
        }

        using var probedAgain = await session.ProbeAsync(file, 1);
        Assert.AreEqual(HttpStatusCode.NoContent, probedAgain.StatusCode, "still signed in once the database answers");
        using var signedIn = AppFixture.CreateAnonymousClient(app.BaseAddress);
        StringAssert.StartsWith(await LoginForm.SignInRedirectAsync(signedIn, user), "/");
        // EF Core reports the query that timed out, which an operator should see; nothing fails unhandled.
        var unhandled = app.LoggedErrors.Where(line => !line.StartsWith("fail: Microsoft.EntityFrameworkCore.", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(unhandled, string.Join('\n', unhandled));
    }

    /// <summary>A connection that keeps new sessions from being written until it is disposed, and on PostgreSQL from being read as well.</summary>
    private static Task<DbConnection> HoldSessionsAsync(TestDatabase database) =>
        HoldAsync(database, "LOCK TABLE \"UserSessions\" IN ACCESS EXCLUSIVE MODE;");

    /// <summary>A connection that keeps new uploads from being written until it is disposed: SQLite's write lock, or a lock on PostgreSQL's Uploads table that still lets it be read.</summary>
    private static Task<DbConnection> HoldUploadsAsync(TestDatabase database) =>
        HoldAsync(database, "LOCK TABLE \"Uploads\" IN EXCLUSIVE MODE;");

    /// <summary>SQLite's write lock, or on PostgreSQL the table lock <paramref name="postgreSqlLock"/>, held until the connection is disposed.</summary>
    private static async Task<DbConnection> HoldAsync(TestDatabase database, string postgreSqlLock)
    {
        DbConnection connection = database.Provider == "PostgreSQL"
            ? new NpgsqlConnection(database.ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var hold = connection.CreateCommand();
        hold.CommandText = database.Provider == "PostgreSQL"
            ? "BEGIN; " + postgreSqlLock
            : "BEGIN IMMEDIATE;";
        await hold.ExecuteNonQueryAsync();
        return connection;
    }
}
