using System.Data.Common;
using System.Net;
using System.Text.Json;
using ChunkUploader.Tests.Infrastructure;
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
        await using var app = await installation.StartServerAsync(user);
        using var session = await AppFixture.SignInAsync(app.BaseAddress, user);

        await using (await HoldUploadsAsync(await TestDatabase.ForStorageRootAsync(installation.StorageRoot)))
        {
            using var refused = await session.SendChunkAsync(file, 1);
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, refused.StatusCode, await refused.Content.ReadAsStringAsync());
            Assert.IsNotNull(refused.Headers.RetryAfter?.Delta, "it says when to send the chunk again");
            StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "busy");
        }

        using var resent = await session.SendChunkAsync(file, 1);
        Assert.AreEqual(HttpStatusCode.OK, resent.StatusCode, await resent.Content.ReadAsStringAsync());
        var id = UploadEndpointTests.SingleCompletion([JsonDocument.Parse(await resent.Content.ReadAsStringAsync()).RootElement]);
        Assert.AreEqual(file.Sha256, (await session.WaitForHashAsync(id)).GetProperty("sha256").GetString());
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("items").GetArrayLength(), "one record of the file");
        Assert.IsFalse(app.LoggedErrors.Any(), string.Join('\n', app.LoggedErrors));
    }

    /// <summary>A connection that keeps new uploads from being written until it is disposed: SQLite's write lock, or a lock on PostgreSQL's Uploads table that still lets it be read.</summary>
    private static async Task<DbConnection> HoldUploadsAsync(TestDatabase database)
    {
        DbConnection connection = database.Provider == "PostgreSQL"
            ? new NpgsqlConnection(database.ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var hold = connection.CreateCommand();
        hold.CommandText = database.Provider == "PostgreSQL"
            ? "BEGIN; LOCK TABLE \"Uploads\" IN EXCLUSIVE MODE;"
            : "BEGIN IMMEDIATE;";
        await hold.ExecuteNonQueryAsync();
        return connection;
    }
}
