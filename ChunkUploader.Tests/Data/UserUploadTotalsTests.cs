using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Data;

/// <summary>The per-user totals the database keeps with triggers, on the running app's database (SQLite or PostgreSQL).</summary>
[TestClass]
public sealed class UserUploadTotalsTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public void The_triggers_count_the_statuses_the_code_calls_held_and_live()
    {
        Assert.AreEqual(UploadTotalsTriggers.HeldStatuses, string.Join(", ", UploadStatuses.Held.Select(s => $"'{s}'")));
        Assert.AreEqual(UploadTotalsTriggers.LiveStatuses, string.Join(", ", UploadStatuses.Live.Select(s => $"'{s}'")));
    }

    [TestMethod]
    public async Task Totals_match_the_users_uploads_through_every_kind_of_change()
    {
        using var session = await App.NewSessionAsync();
        var userId = session.User.Id;
        var finished = TestFile.Random(5_000, 1024, "finished.bin");
        var whole = TestFile.Random(700, 1024, "whole.bin");
        var partial = TestFile.Random(6_000, 1024, "partial.bin");
        var cancelled = TestFile.Random(3_000, 1024, "cancelled.bin");
        await session.UploadAsync(finished);
        await session.UploadAsync(whole);
        await session.UploadAsync(partial, partial.Numbers.Take(2));
        await session.UploadAsync(cancelled, cancelled.Numbers.Take(1));
        await AssertTotalsAsync(userId, bytesHeld: 5_000 + 700 + 6_000 + 3_000, live: 2);

        using (var cancel = await session.CancelAsync(cancelled)) cancel.EnsureSuccessStatusCode();
        await AssertTotalsAsync(userId, bytesHeld: 5_000 + 700 + 6_000, live: 1);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            // The ledger's other transitions are such updates too; one statement may change several rows.
            await db.Uploads.Where(u => u.UserId == userId && u.Identifier == partial.Identifier)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Failed));
            await db.Uploads.Where(u => u.UserId == userId && u.Status == UploadStatus.Complete)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Deleted));
        }
        await AssertTotalsAsync(userId, bytesHeld: 0, live: 0);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Uploads.Where(u => u.UserId == userId && u.Identifier == whole.Identifier)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Complete));
            await db.Uploads.Where(u => u.UserId == userId && u.Identifier == finished.Identifier)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Receiving));
        }
        await AssertTotalsAsync(userId, bytesHeld: 700 + 5_000, live: 1);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Uploads.Where(u => u.UserId == userId && u.Identifier == whole.Identifier)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.TotalSize, 900));
            await db.Uploads.Where(u => u.UserId == userId && u.Identifier == finished.Identifier).ExecuteDeleteAsync();
        }
        await AssertTotalsAsync(userId, bytesHeld: 900, live: 0);
    }

    [TestMethod]
    public async Task Removing_a_user_removes_their_totals_with_their_uploads()
    {
        using var session = await App.NewSessionAsync();
        await session.UploadAsync(TestFile.Random(2_000, 1024, "gone.bin"));
        await AssertTotalsAsync(session.User.Id, bytesHeld: 2_000, live: 0);

        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var removed = await users.DeleteAsync((await users.FindByIdAsync(session.User.Id))!);

        Assert.IsTrue(removed.Succeeded, string.Join("; ", removed.Errors.Select(e => e.Description)));
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.IsFalse(await db.UserUploadTotals.AnyAsync(t => t.UserId == session.User.Id));
    }

    [TestMethod]
    public async Task The_migration_counts_the_uploads_that_were_there_before_it()
    {
        // Not in the app's work directory, where every file outside its storage root counts as a leak.
        var folder = Directory.CreateTempSubdirectory("chunkuploader-totals-");
        try
        {
            var database = TestDatabase.UsePostgreSql
                ? await TestDatabase.NewPostgreSqlAsync("totals")
                : new TestDatabase("Sqlite", $"Data Source={Path.Combine(folder.FullName, "before.db")};Pooling=False");
            await MigrateAcrossAsync(database);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task MigrateAcrossAsync(TestDatabase database)
    {
        await using var db = ContextFor(database);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("CompletedLookupIndex");
        var user = new IdentityUser("before@totals.test");
        db.Users.Add(user);
        foreach (var (status, size) in new[] { (UploadStatus.Complete, 1_000L), (UploadStatus.Receiving, 300L), (UploadStatus.Failed, 5_000L), (UploadStatus.Assembling, 20L) })
            db.Uploads.Add(new Upload { Id = Guid.NewGuid(), UserId = user.Id, Identifier = $"{size}-{status}", FileName = "f.bin", RelativePath = "", Status = status, TotalSize = size, ChunkSize = 1024, TotalChunks = 1, StartedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();

        await migrator.MigrateAsync();

        var kept = await db.UserUploadTotals.AsNoTracking().SingleAsync(t => t.UserId == user.Id);
        Assert.AreEqual((1_320L, 2), (kept.BytesHeld, kept.UploadsLive));
    }

    // A context on a database of its own; its model is built without the app's Identity options, which migrations do not need.
    private static AppDbContext ContextFor(TestDatabase database) => database.Provider == "PostgreSQL"
        ? new PostgreSqlAppDbContext(Quiet(new DbContextOptionsBuilder<PostgreSqlAppDbContext>().UseNpgsql(database.ConnectionString)).Options)
        : new SqliteAppDbContext(Quiet(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(database.ConnectionString)).Options);

    private static DbContextOptionsBuilder<T> Quiet<T>(DbContextOptionsBuilder<T> options) where T : DbContext =>
        options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning));

    /// <summary>The kept totals equal both the expected figures and a sum over the user's uploads.</summary>
    private static async Task AssertTotalsAsync(string userId, long bytesHeld, int live)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var kept = await db.UserUploadTotals.AsNoTracking().SingleAsync(t => t.UserId == userId);
        var uploads = await db.Uploads.AsNoTracking().Where(u => u.UserId == userId).Select(u => new { u.Status, u.TotalSize }).ToListAsync();
        var summed = (Bytes: uploads.Where(u => UploadStatuses.Held.Contains(u.Status)).Sum(u => u.TotalSize), Live: uploads.Count(u => UploadStatuses.Live.Contains(u.Status)));
        Assert.AreEqual((bytesHeld, live), (kept.BytesHeld, kept.UploadsLive), "kept totals");
        Assert.AreEqual(summed, (kept.BytesHeld, kept.UploadsLive), "kept totals against the uploads");
    }
}
