using System.Diagnostics;
using System.Net;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Services;

/// <summary>The expiry and orphan sweep against the real database and storage of the running app.</summary>
[TestClass]
public sealed class UploadSweepTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task An_idle_upload_expires_and_loses_its_chunks_while_an_active_one_is_kept()
    {
        using var session = await App.NewSessionAsync();
        var idle = TestFile.Random(10_000, 1024, "idle.bin");
        var active = TestFile.Random(10_000, 1024, "active.bin");
        await session.UploadAsync(idle, idle.Numbers.Take(2));
        await session.UploadAsync(active, active.Numbers.Take(2));
        var idleId = await IdOfAsync(idle.Identifier);
        await App.MakeIdleAsync(idleId);

        await App.SweepAsync();

        var records = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().ToDictionary(u => u.GetProperty("fileName").GetString()!);
        Assert.AreEqual("Expired", records["idle.bin"].GetProperty("status").GetString());
        Assert.AreEqual("Receiving", records["active.bin"].GetProperty("status").GetString());
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id, idleId)), "expired chunks deleted");
        Assert.IsTrue(Directory.Exists(App.ChunkDirectory(session.User.Id, await IdOfAsync(active.Identifier))), "active chunks kept");
        using var late = await session.SendChunkAsync(idle, 3);
        Assert.AreEqual(HttpStatusCode.OK, late.StatusCode, "a chunk after expiry starts the upload anew");
    }

    [TestMethod]
    public async Task A_chunk_that_continues_an_expired_upload_gets_404_naming_the_expiry_and_starts_nothing()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "expired-while-paused.bin");
        await session.UploadAsync(file, [1]);
        using (var continuing = await session.SendChunkAsync(file, 2, continues: "true"))
            Assert.AreEqual(HttpStatusCode.OK, continuing.StatusCode, "the header is harmless while the upload lives");
        var id = await IdOfAsync(file.Identifier);
        await App.MakeIdleAsync(id);
        await App.SweepAsync();

        using var resumed = await session.SendChunkAsync(file, 3, continues: "true");

        var reason = await resumed.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.NotFound, resumed.StatusCode, reason);
        StringAssert.Contains(reason, "expired");
        var records = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().Select(u => u.GetProperty("status").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "Expired" }, records, "no upload started with the chunks after the expiry");
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id)) && Directory.EnumerateFileSystemEntries(App.ChunkDirectory(session.User.Id)).Any(), "nothing stored");

        // The page's Retry sends the whole file afresh, without the header.
        var answers = await session.UploadAsync(file);
        await Api.UploadEndpointTests.AssertStoredAsync(session, Api.UploadEndpointTests.SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task A_chunk_that_continues_a_cancelled_upload_gets_404_naming_the_cancel()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "cancelled-elsewhere.bin");
        await session.UploadAsync(file, [1]);
        using (var cancel = await session.CancelAsync(file)) Assert.AreEqual(HttpStatusCode.NoContent, cancel.StatusCode);
        using (var malformed = await session.SendChunkAsync(file, 2, continues: "yes"))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, malformed.StatusCode);
            StringAssert.Contains(await malformed.Content.ReadAsStringAsync(), "X-Upload-Continues must be 'true'");
        }

        using var resumed = await session.SendChunkAsync(file, 2, continues: "true");

        var reason = await resumed.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.NotFound, resumed.StatusCode, reason);
        StringAssert.Contains(reason, "cancelled");
        Assert.HasCount(1, (await session.UploadsAsync()).GetProperty("items").EnumerateArray().ToList(), "no new upload");
    }

    [TestMethod]
    public async Task An_idle_upload_is_not_expired_while_a_chunk_of_it_is_arriving()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 65_536, 65_536, "paused-then-resumed.bin");
        await session.UploadAsync(file, [1]);
        var id = await IdOfAsync(file.Identifier);
        await App.MakeIdleAsync(id);
        var release = new TaskCompletionSource();
        var arriving = session.SendOctetAsync(file, 2, new HeldContent(file.Chunk(2), 1000, release.Task));
        await App.WaitForClaimAsync(session.User.Id, 2);

        await App.SweepAsync();
        release.SetResult();

        using var answer = await arriving;
        Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        var answers = await session.UploadAsync(file, [3]);
        await Api.UploadEndpointTests.AssertStoredAsync(session, Api.UploadEndpointTests.SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task A_recorded_chunk_dates_its_upload_in_the_form_the_expiry_compares()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "dated.bin");
        await session.UploadAsync(file, file.Numbers.Take(1));
        var before = DateTime.UtcNow;
        await session.UploadAsync(file, file.Numbers.Skip(1).Take(1));
        var after = DateTime.UtcNow;

        // SQLite compares times as text: a chunk's time written in another form than EF's would sort wrongly within a day.
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var id = await IdOfAsync(file.Identifier);
        Assert.AreEqual(1, await db.Uploads.CountAsync(u => u.Id == id && u.UpdatedAt >= before.AddMilliseconds(-1) && u.UpdatedAt <= after.AddMilliseconds(1)),
            "the second chunk's time lies between the moments around it");
        var updated = await db.Uploads.Where(u => u.Id == id).Select(u => u.UpdatedAt).SingleAsync();
        Assert.AreEqual(DateTimeKind.Utc, updated.Kind);
    }

    [TestMethod]
    public async Task A_chunk_directory_whose_upload_is_not_live_is_removed()
    {
        using var session = await App.NewSessionAsync();
        var orphan = App.ChunkDirectory(session.User.Id, Guid.NewGuid());
        Directory.CreateDirectory(orphan);
        await File.WriteAllBytesAsync(Path.Combine(orphan, "data.part"), new byte[100]);
        Directory.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-1));
        var fresh = App.ChunkDirectory(session.User.Id, Guid.NewGuid());
        Directory.CreateDirectory(fresh);

        await App.SweepAsync();

        Assert.IsFalse(Directory.Exists(orphan), "an old orphan is removed");
        Assert.IsTrue(Directory.Exists(fresh), "a directory younger than a minute may be an upload being created");
    }

    [TestMethod]
    public async Task A_finished_file_that_no_record_owns_is_removed_but_a_complete_one_is_kept()
    {
        using var session = await App.NewSessionAsync();
        var kept = TestFile.Random(4096, 1024, "kept.bin");
        var keptId = (await session.UploadAsync(kept)).Select(a => a.GetProperty("uploadId").GetGuid()).First();
        var stray = App.StoredFile(session.User.Id, Guid.NewGuid());
        await File.WriteAllBytesAsync(stray, new byte[100]);
        File.SetLastWriteTimeUtc(stray, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(App.StoredFile(session.User.Id, keptId), DateTime.UtcNow.AddHours(-1));

        await App.SweepAsync();

        Assert.IsFalse(File.Exists(stray), "a file whose record is gone (account deleted, crash) is removed");
        await Api.UploadEndpointTests.AssertStoredAsync(session, keptId, kept);
    }

    [TestMethod]
    public async Task A_one_chunk_file_still_arriving_is_not_swept_however_old_it_looks_and_completes_byte_identical()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(100_000, 1024 * 1024, "slow-photo.jpg");
        var release = new TaskCompletionSource();
        var body = new HeldContent(file.Chunk(1), 30_000, release.Task, trickle: true);
        var inFlight = session.SendOctetAsync(file, 1, body);
        await body.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var arriving = await WaitForSingleFileAsync(App.StoredFile(session.User.Id, Guid.Empty));
        // The request creates the file, then locks it: backdated in between, the sweep would take it first (503 to the request).
        await WaitForFileLockAsync(arriving);
        // A slow link: the file was created longer ago than the sweep's grace, and its bytes are still in the request's buffer.
        File.SetLastWriteTimeUtc(arriving, DateTime.UtcNow.AddHours(-1));

        await App.SweepAsync();
        release.SetResult();

        using var answer = await inFlight;
        Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        var id = (await session.UploadsAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        await Api.UploadEndpointTests.AssertStoredAsync(session, id, file);
    }

    private static async Task<string> WaitForSingleFileAsync(string siblingPath)
    {
        var directory = Path.GetDirectoryName(siblingPath)!;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
            if (Directory.Exists(directory) && Directory.GetFiles(directory) is [var only]) return only;
        throw new AssertFailedException($"No file appeared in {directory}.");
    }

    /// <summary>Waits until some process holds a <c>flock</c> on <paramref name="path"/>, as the kernel lists it in /proc/locks (by inode).</summary>
    private static async Task WaitForFileLockAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = (await stat.StandardOutput.ReadToEndAsync()).Trim();
        await stat.WaitForExitAsync();
        await Poll.UntilAsync(async () => (await File.ReadAllLinesAsync("/proc/locks")).Any(line => line.Contains("FLOCK") && line.Contains($":{inode} ")),
            $"the request holds its lock on {path} (inode {inode})", seconds: 30);
    }

    private static async Task<Guid> IdOfAsync(string identifier)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Uploads.Where(u => u.Identifier == identifier && u.Status == UploadStatus.Receiving).Select(u => u.Id).SingleAsync();
    }
}
