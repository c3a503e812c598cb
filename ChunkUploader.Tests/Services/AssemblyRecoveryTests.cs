using System.Net;
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
    public async Task With_the_storage_mount_gone_an_upload_waiting_to_be_finished_waits_instead_of_failing()
    {
        using var waiting = await App.NewSessionAsync();
        using var session = await App.NewSessionAsync();
        var (waitingFile, waitingId) = await AllButRecordedAsync(waiting, "finished-after-the-mount.bin");
        var (file, id) = await AllButRecordedAsync(session, "finished-meanwhile.bin");
        // What an unmounted share looks like to that upload: the marker at the top of the root and its chunks both gone.
        var marker = Path.Combine(App.StorageRoot, ChunkUploader.Web.Services.Uploads.Storage.StorageRootMarker.FileName);
        var chunks = App.ChunkDirectory(waiting.User.Id, waitingId);
        File.Move(marker, marker + ".aside");
        Directory.Move(chunks, chunks + ".aside");
        try
        {
            await UpdateAsync(waitingId, waitingFile, UploadStatus.Receiving, leaseUntil: null, owner: null);
            await UpdateAsync(id, file, UploadStatus.Receiving, leaseUntil: null, owner: null);

            await Api.UploadEndpointTests.AssertStoredAsync(session, id, file);
            Assert.AreNotEqual(UploadStatus.Failed, await StatusAsync(waitingId), "not failed while the storage is gone");
            Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(App.StoredFile(waiting.User.Id, waitingId))), "nothing made where the mount should be");
        }
        finally
        {
            // The upload's bytes first: a marker back before them would look like an intact root that lost them.
            Directory.Move(chunks + ".aside", chunks);
            File.Move(marker + ".aside", marker);
        }
        await Api.UploadEndpointTests.AssertStoredAsync(waiting, waitingId, waitingFile);
    }

    [TestMethod]
    public async Task With_the_storage_mount_gone_chunks_answer_503_and_nothing_is_made_in_the_mount_point()
    {
        using var session = await App.NewSessionAsync();
        var started = TestFile.Random(3072, 1024, "started-before.bin");
        var fresh = TestFile.Random(3072, 1024, "started-during.bin");
        var small = TestFile.Random(500, 1024, "small-during.bin");
        await session.UploadAsync(started, [1]);
        var marker = Path.Combine(App.StorageRoot, ChunkUploader.Web.Services.Uploads.Storage.StorageRootMarker.FileName);
        var chunks = App.ChunkDirectory(session.User.Id);
        Directory.Move(chunks, chunks + ".aside");
        File.Move(marker, marker + ".aside");
        try
        {
            foreach (var (file, number) in new[] { (started, 2), (fresh, 1), (small, 1) })
            {
                using var answer = await session.SendChunkAsync(file, number);
                Assert.AreEqual(HttpStatusCode.ServiceUnavailable, answer.StatusCode, $"{file.Name}: {await answer.Content.ReadAsStringAsync()}");
            }
            Assert.IsFalse(Directory.Exists(chunks), "no upload begun in the empty mount point");
            Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(App.StoredFile(session.User.Id, Guid.Empty))), "no file written there");
            Assert.HasCount(3, App.ServerErrors.Take("Storage failed while receiving a chunk"), "each logged as an error");
        }
        finally
        {
            Directory.Move(chunks + ".aside", chunks);
            File.Move(marker + ".aside", marker);
        }
        var answers = await session.UploadAsync(started, [2, 3]);
        await Api.UploadEndpointTests.AssertStoredAsync(session, Api.UploadEndpointTests.SingleCompletion(answers), started);
    }

    [TestMethod]
    public async Task A_file_that_cannot_be_read_now_does_not_hold_back_the_hashing_of_the_others()
    {
        using var session = await App.NewSessionAsync();
        var ((unreadable, unreadableId), (file, id)) = await TwoHashedAsync(session, "unreadable.bin", "hashed-again.bin");
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

    [TestMethod]
    public async Task A_complete_file_gone_from_the_storage_is_looked_for_hourly_instead_of_at_every_lease_and_stays_complete()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(2048, 1024, "lost.bin");
        var id = Api.UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
        await session.WaitForHashAsync(id);
        var stored = App.StoredFile(session.User.Id, id);
        File.Move(stored, stored + ".aside");

        await ForgetHashAsync(id, DateTime.UtcNow);

        await Poll.UntilAsync(async () => await LeaseUntilAsync(id) > DateTime.UtcNow.AddMinutes(30), "the missing file is set aside for an hour");
        var record = await session.UploadAsync(id);
        Assert.AreEqual("Complete", record.GetProperty("status").GetString(), "a file missing for now is not declared lost: the sweep would delete it if it came back");
        Assert.AreEqual(System.Text.Json.JsonValueKind.Null, record.GetProperty("sha256").ValueKind);

        // Back in place (a remounted share), it is hashed once it is looked for again.
        File.Move(stored + ".aside", stored);
        await ForgetHashAsync(id, DateTime.UtcNow);
        Assert.AreEqual(file.Sha256, (await session.WaitForHashAsync(id)).GetProperty("sha256").GetString());
    }

    private static async Task<DateTime?> LeaseUntilAsync(Guid id)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == id).Select(u => u.LeaseUntil).SingleAsync();
    }

    [TestMethod]
    public async Task With_the_storage_mount_gone_a_file_is_not_taken_for_lost_and_its_download_answers_503()
    {
        using var session = await App.NewSessionAsync();
        var ((waiting, waitingId), (control, controlId)) = await TwoHashedAsync(session, "mount-gone.bin", "hashed-meanwhile.bin");
        // What an unmounted share looks like: the marker at the top of the root and the file both gone.
        var marker = Path.Combine(App.StorageRoot, ChunkUploader.Web.Services.Uploads.Storage.StorageRootMarker.FileName);
        var stored = App.StoredFile(session.User.Id, waitingId);
        File.Move(marker, marker + ".aside");
        File.Move(stored, stored + ".aside");
        try
        {
            using (var download = await session.Client.GetAsync($"Uploads/{waitingId}/download"))
            {
                Assert.AreEqual(HttpStatusCode.ServiceUnavailable, download.StatusCode);
                StringAssert.Contains(await download.Content.ReadAsStringAsync(), "storage error");
            }
            Assert.HasCount(1, App.ServerErrors.Take($"Upload {waitingId} is complete but its file cannot be read"), "logged as an error");
            // Both to be hashed again, the one whose file cannot be found first in line.
            await ForgetHashAsync(waitingId, DateTime.UtcNow.AddMinutes(-2));
            await ForgetHashAsync(controlId, DateTime.UtcNow.AddMinutes(-1));

            Assert.AreEqual(control.Sha256, (await session.WaitForHashAsync(controlId)).GetProperty("sha256").GetString());
            Assert.AreEqual("Complete", (await session.UploadAsync(waitingId)).GetProperty("status").GetString(), "not marked failed while the storage is gone");
        }
        finally
        {
            // The file first: a marker back before it would look like an intact root that lost it.
            File.Move(stored + ".aside", stored);
            File.Move(marker + ".aside", marker);
        }
        Assert.AreEqual(waiting.Sha256, (await session.WaitForHashAsync(waitingId)).GetProperty("sha256").GetString());
    }

    /// <summary>Two small files uploaded and hashed, for a test that makes the first one fail to hash and watches the second.</summary>
    private static async Task<((TestFile File, Guid Id) First, (TestFile File, Guid Id) Second)> TwoHashedAsync(ApiSession session, string first, string second)
    {
        var files = new[] { TestFile.Random(2048, 1024, first), TestFile.Random(2048, 1024, second) };
        var ids = new List<Guid>();
        foreach (var file in files)
        {
            ids.Add(Api.UploadEndpointTests.SingleCompletion(await session.UploadAsync(file)));
            await session.WaitForHashAsync(ids[^1]);
        }
        return ((files[0], ids[0]), (files[1], ids[1]));
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
