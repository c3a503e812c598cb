using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Services;

/// <summary>The recovery loop of the running app (lease 3 s, every 0.5 s in the fixture) against its real database and storage.</summary>
[TestClass]
public sealed class AssemblyRecoveryTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task An_assembly_whose_claimer_died_is_finished_once_its_lease_runs_out_and_not_before()
    {
        using var session = await App.NewSessionAsync();
        var (file, id) = await AllButRecordedAsync(session, "orphaned-assembly.bin");
        var leaseUntil = DateTime.UtcNow.AddSeconds(8); // far enough that the check 2 s on lands inside it on a busy machine
        await UpdateAsync(id, file, UploadStatus.Assembling, leaseUntil, "a-dead-instance");

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.AreEqual(UploadStatus.Assembling, await StatusAsync(id), "a live lease is respected: its holder may still be finishing");

        await Api.UploadEndpointTests.AssertStoredAsync(session, id, file);
    }

    [TestMethod]
    public async Task A_fully_received_upload_whose_last_request_died_before_claiming_is_finished()
    {
        using var session = await App.NewSessionAsync();
        var (file, id) = await AllButRecordedAsync(session, "unclaimed.bin");
        await UpdateAsync(id, file, UploadStatus.Receiving, leaseUntil: null, owner: null);

        await Api.UploadEndpointTests.AssertStoredAsync(session, id, file);
    }

    [TestMethod]
    public async Task An_upload_that_cannot_be_finished_now_does_not_hold_back_the_others()
    {
        using var blocked = await App.NewSessionAsync();
        using var session = await App.NewSessionAsync();
        var (blockedFile, blockedId) = await AllButRecordedAsync(blocked, "storage-fails.bin");
        var (file, id) = await AllButRecordedAsync(session, "finishes.bin");
        // A file where the owner's folder of finished files must go: finishing that upload fails on the volume every time.
        var blockedFolder = Path.GetDirectoryName(App.StoredFile(blocked.User.Id, blockedId))!;
        await File.WriteAllTextAsync(blockedFolder, "in the way");
        try
        {
            // The failing one first, as the recovery takes the longest-idle first.
            await UpdateAsync(blockedId, blockedFile, UploadStatus.Receiving, leaseUntil: null, owner: null);
            await UpdateAsync(id, file, UploadStatus.Receiving, leaseUntil: null, owner: null);

            await Api.UploadEndpointTests.AssertStoredAsync(session, id, file);
            Assert.AreNotEqual(UploadStatus.Complete, await StatusAsync(blockedId));
        }
        finally
        {
            File.Delete(blockedFolder);
        }
        await Api.UploadEndpointTests.AssertStoredAsync(blocked, blockedId, blockedFile);
    }

    [TestMethod]
    public async Task A_file_that_cannot_be_read_now_does_not_hold_back_the_hashing_of_the_others()
    {
        using var session = await App.NewSessionAsync();
        var unreadable = TestFile.Random(2048, 1024, "unreadable.bin");
        var file = TestFile.Random(2048, 1024, "hashed-again.bin");
        var unreadableId = Api.UploadEndpointTests.SingleCompletion(await session.UploadAsync(unreadable));
        var id = Api.UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
        await session.WaitForHashAsync(unreadableId);
        await session.WaitForHashAsync(id);
        // A folder where the file should be: opening it fails on the volume every time.
        var stored = App.StoredFile(session.User.Id, unreadableId);
        File.Move(stored, stored + ".aside");
        Directory.CreateDirectory(stored);
        try
        {
            // Both to be hashed again, the unreadable one first in line.
            await ForgetHashAsync(unreadableId, DateTime.UtcNow.AddMinutes(-2));
            await ForgetHashAsync(id, DateTime.UtcNow.AddMinutes(-1));

            Assert.AreEqual(file.Sha256, (await session.WaitForHashAsync(id)).GetProperty("sha256").GetString());
        }
        finally
        {
            Directory.Delete(stored);
            File.Move(stored + ".aside", stored);
        }
        Assert.AreEqual(unreadable.Sha256, (await session.WaitForHashAsync(unreadableId)).GetProperty("sha256").GetString());
    }

    private static async Task ForgetHashAsync(Guid id, DateTime updatedAt)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.Sha256, (string?)null)
            .SetProperty(u => u.LeaseUntil, (DateTime?)null)
            .SetProperty(u => u.LeaseOwner, (string?)null)
            .SetProperty(u => u.UpdatedAt, updatedAt));
    }

    /// <summary>Uploads all but the last chunk, then writes the last chunk's bytes and row as if its request died right after recording it.</summary>
    private static async Task<(TestFile File, Guid Id)> AllButRecordedAsync(ApiSession session, string name)
    {
        var file = TestFile.Random(8 * 1024, 1024, name);
        await session.UploadAsync(file, file.Numbers.SkipLast(1));
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var id = await db.Uploads.Where(u => u.Identifier == file.Identifier).Select(u => u.Id).SingleAsync();
        var (start, _) = file.Range(file.ChunkCount);
        await using (var partial = new FileStream(Path.Combine(App.ChunkDirectory(session.User.Id, id), "data.part"), FileMode.Open))
        {
            partial.Position = start;
            await partial.WriteAsync(file.Chunk(file.ChunkCount));
        }
        db.UploadChunks.Add(new UploadChunk { UploadId = id, Number = file.ChunkCount, Size = file.Chunk(file.ChunkCount).Length, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow, RecordedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return (file, id);
    }

    private static async Task UpdateAsync(Guid id, TestFile file, UploadStatus status, DateTime? leaseUntil, string? owner)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.Status, status)
            .SetProperty(u => u.ChunksReceived, file.ChunkCount)
            .SetProperty(u => u.BytesReceived, file.Size)
            .SetProperty(u => u.LeaseUntil, leaseUntil)
            .SetProperty(u => u.LeaseOwner, owner)
            .SetProperty(u => u.UpdatedAt, DateTime.UtcNow.AddMinutes(-1)));
    }

    private static async Task<UploadStatus> StatusAsync(Guid id)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == id).Select(u => u.Status).SingleAsync();
    }
}
