using System.Data.Common;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Services;

/// <summary>
/// A refused request undoes what it did (discards the upload it created, releases its claim) while another request of
/// the same file claims a chunk. Each test stops one side half done (a transaction held open, or a step run between
/// the other's statements), as two instances or two connections can.
/// </summary>
[TestClass]
public sealed class UploadLedgerRaceTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_claim_that_meets_its_upload_being_discarded_is_told_the_upload_is_gone()
    {
        var uploadId = await UnusedUploadAsync("discarded.bin");
        await using var discarding = App.Services.CreateAsyncScope();
        var db = discarding.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Uploads.Where(u => u.Id == uploadId).ExecuteDeleteAsync();

        await using var claiming = App.Services.CreateAsyncScope();
        // On its own thread: SQLite waits for the write lock inside the call, before it returns a task.
        var claim = Task.Run(() => claiming.ServiceProvider.GetRequiredService<UploadLedger>().ClaimChunkAsync(uploadId, 2, 1024, CancellationToken.None));
        await Task.Delay(300);
        await transaction.CommitAsync();

        Assert.AreEqual(ChunkClaimStatus.NotReceiving, (await claim).Status);
    }

    [TestMethod]
    public async Task A_discard_that_meets_a_claim_under_way_keeps_the_upload_and_the_claim()
    {
        var uploadId = await UnusedUploadAsync("claimed.bin");
        await using var claiming = App.Services.CreateAsyncScope();
        var db = claiming.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.UploadChunks.Add(new UploadChunk { UploadId = uploadId, Number = 2, Size = 1024, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow.AddMinutes(1) });
        await db.SaveChangesAsync();

        await using var discarding = App.Services.CreateAsyncScope();
        var discard = Task.Run(() => discarding.ServiceProvider.GetRequiredService<UploadLedger>().DiscardIfUnusedAsync(uploadId, CancellationToken.None));
        await Task.Delay(300);
        await transaction.CommitAsync();

        Assert.IsFalse(await discard, "the upload had a chunk claimed by the time the discard could look");
        await using var after = App.Services.CreateAsyncScope();
        var check = after.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.AreEqual(1, await check.Uploads.CountAsync(u => u.Id == uploadId));
        Assert.AreEqual(1, await check.UploadChunks.CountAsync(c => c.UploadId == uploadId));
    }

    [TestMethod]
    public async Task A_claim_that_lost_to_a_claim_released_at_once_takes_the_chunk()
    {
        var uploadId = await UnusedUploadAsync("released.bin");
        await using (var other = App.Services.CreateAsyncScope())
        {
            var db = other.ServiceProvider.GetRequiredService<AppDbContext>();
            db.UploadChunks.Add(new UploadChunk { UploadId = uploadId, Number = 2, Size = 1024, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow.AddMinutes(1) });
            await db.SaveChangesAsync();
        }

        // The other request gives its claim up (its chunk refused) between this claim's insert and its look at the row.
        await using var scope = App.Services.CreateAsyncScope();
        await using var claiming = ContextWith(scope.ServiceProvider, new ReleaseAfterLostInsert(uploadId, 2));
        var ledger = ActivatorUtilities.CreateInstance<UploadLedger>(scope.ServiceProvider, claiming);
        var claim = await ledger.ClaimChunkAsync(uploadId, 2, 1024, CancellationToken.None);

        Assert.AreEqual(ChunkClaimStatus.Claimed, claim.Status, "the upload is still receiving: not a 404 that fails the file");
    }

    private static AppDbContext ContextWith(IServiceProvider services, IInterceptor interceptor) => App.Database.Provider == "PostgreSQL"
        ? new PostgreSqlAppDbContext(new DbContextOptionsBuilder<PostgreSqlAppDbContext>(services.GetRequiredService<DbContextOptions<PostgreSqlAppDbContext>>()).AddInterceptors(interceptor).Options)
        : new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>(services.GetRequiredService<DbContextOptions<SqliteAppDbContext>>()).AddInterceptors(interceptor).Options);

    /// <summary>Deletes the chunk's claim, once, right after a claim insert that did not insert.</summary>
    private sealed class ReleaseAfterLostInsert(Guid uploadId, int number) : DbCommandInterceptor
    {
        private bool _released;

        public override async ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (_released || result != 0 || !command.CommandText.Contains("INSERT INTO \"UploadChunks\"", StringComparison.Ordinal)) return result;
            _released = true;
            await using var scope = App.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().UploadChunks.Where(c => c.UploadId == uploadId && c.Number == number).ExecuteDeleteAsync(cancellationToken);
            return result;
        }
    }

    /// <summary>A live upload with no chunk claimed or recorded, as its first request left it just before that request failed.</summary>
    private static async Task<Guid> UnusedUploadAsync(string name)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 1024, 1024, name);
        await session.UploadAsync(file, file.Numbers.Take(1));
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var uploadId = await db.Uploads.Where(u => u.Identifier == file.Identifier && u.Status == UploadStatus.Receiving).Select(u => u.Id).SingleAsync();
        await db.UploadChunks.Where(c => c.UploadId == uploadId).ExecuteDeleteAsync();
        await db.Uploads.Where(u => u.Id == uploadId).ExecuteUpdateAsync(set => set.SetProperty(u => u.ChunksReceived, 0).SetProperty(u => u.BytesReceived, 0L));
        return uploadId;
    }
}
