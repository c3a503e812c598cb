using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>
/// A storage volume that fills up while uploads are under way: an app of its own whose storage root is a small tmpfs
/// (the one part of this suite that needs root, to mount it), and the database elsewhere.
/// </summary>
[TestClass]
public sealed class StorageFullTests
{
    private static SmallVolume _volume = null!;
    private static AppFixture _app = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        _volume = await SmallVolume.MountAsync(Path.Combine(Path.GetTempPath(), "chunkuploader-full-" + Guid.NewGuid().ToString("N")[..8]), 2);
        _app = AppFixture.StartSeparate(new Dictionary<string, string> { ["Storage:Root"] = _volume.Path, ["Storage:MinFreeBytes"] = "0" });
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        var errors = _app.ServerErrors.Errors.Where(e => !e.Contains("Storage failed while receiving a chunk (volume full: True)")).ToList();
        await _app.StopAndCleanAsync();
        await _volume.DisposeAsync();
        Assert.IsEmpty(errors, string.Join("\n", errors));
    }

    [TestMethod]
    public async Task A_chunk_that_finds_the_volume_full_gets_507_keeps_what_was_stored_and_the_upload_goes_on_once_there_is_room()
    {
        using var session = await _app.NewSessionAsync();
        var first = TestFile.Random(1536 * 1024, 256 * 1024, "first.bin");
        var second = TestFile.Random(1536 * 1024, 256 * 1024, "second.bin");
        // Both admitted while the volume had room for each; then the first takes most of it.
        await session.UploadAsync(second, [1]);
        var firstId = UploadEndpointTests.SingleCompletion(await session.UploadAsync(first));

        var answers = new List<(int Number, HttpStatusCode Status, string Body)>();
        foreach (var number in second.Numbers.Skip(1))
        {
            using var answer = await session.SendChunkAsync(second, number);
            answers.Add((number, answer.StatusCode, await answer.Content.ReadAsStringAsync()));
            if (answer.StatusCode != HttpStatusCode.OK) break;
        }

        var refused = answers[^1];
        Assert.AreEqual(HttpStatusCode.InsufficientStorage, refused.Status, string.Join("\n", answers));
        StringAssert.Contains(refused.Body, "storage is full");
        using (var probe = await session.ProbeAsync(second, refused.Number))
            Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode, "the chunk that did not fit is not reported present");
        await UploadEndpointTests.AssertStoredAsync(session, firstId, first, _app);

        await _volume.GrowAsync(8);
        var secondId = UploadEndpointTests.SingleCompletion(await session.UploadAsync(second, second.Numbers.Skip(refused.Number - 1)));
        await UploadEndpointTests.AssertStoredAsync(session, secondId, second, _app);
    }
}
