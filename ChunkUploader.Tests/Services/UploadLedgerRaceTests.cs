using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Services;

/// <summary>
/// A refused first chunk discards the upload it created while another chunk of the same file claims its place in it.
/// Each test holds one side open in a transaction of its own, so the other side meets it half done, as on PostgreSQL
/// two instances (or two connections) can.
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
