using System.Net;
using System.Text.Json;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Api.UploadEndpointTests;

namespace ChunkUploader.Tests.Api;

/// <summary>
/// A new file of one chunk is received whole: stored straight as the finished file and recorded complete with its
/// SHA-256 by its only request, under the same rules as any upload.
/// </summary>
[TestClass]
public sealed class WholeFileTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow(UploadMethod.Multipart)]
    [DataRow(UploadMethod.Octet)]
    public async Task A_file_of_one_chunk_is_complete_with_its_SHA_256_when_its_only_request_is_answered(UploadMethod method)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 65_536, "photo.bin");

        using var sent = await session.SendChunkAsync(file, 1, method);
        Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode, await sent.Content.ReadAsStringAsync());
        var answer = JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement;
        Assert.AreEqual("complete", answer.GetProperty("status").GetString());
        Assert.AreEqual(file.Sha256, answer.GetProperty("sha256").GetString(), "the answer carries the file's SHA-256");

        // Read at once, not waited for: no hashing pass is left to run.
        var record = await session.UploadAsync(answer.GetProperty("uploadId").GetGuid());
        Assert.AreEqual("Complete", record.GetProperty("status").GetString());
        Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString());
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id)) && Directory.EnumerateFileSystemEntries(App.ChunkDirectory(session.User.Id)).Any(),
            "no partial data was ever made");
        await AssertStoredAsync(session, answer.GetProperty("uploadId").GetGuid(), file);
        using (var probe = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, probe.StatusCode, "the probe finds it held");
        Assert.IsFalse(answer.GetProperty("completedBefore").GetBoolean());

        using var again = await session.SendChunkAsync(file, 1, method);
        var second = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.AreEqual("complete", second.GetProperty("status").GetString());
        Assert.IsTrue(second.GetProperty("completedBefore").GetBoolean(), "sent again, it is said to have been complete before");
        Assert.AreEqual(answer.GetProperty("uploadId").GetGuid(), second.GetProperty("uploadId").GetGuid());
        Assert.AreEqual(file.Sha256, second.GetProperty("sha256").GetString());
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "stored once");
    }

    [TestMethod]
    public async Task Simultaneous_requests_for_the_same_one_chunk_file_store_it_once()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(50_000, 65_536, "twice.bin");

        var sends = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => session.SendChunkAsync(file, 1)));

        var answers = new List<JsonElement>();
        foreach (var sent in sends)
            using (sent)
            {
                Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode, await sent.Content.ReadAsStringAsync());
                answers.Add(JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement.Clone());
            }
        var id = SingleCompletion(answers);
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "one record");
        await AssertStoredAsync(session, id, file);
    }

    [TestMethod]
    public async Task A_refused_file_of_one_chunk_leaves_no_record_and_no_file()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(4096, 65_536, "refused.bin");

        using (var shortBody = await session.SendChunkAsync(file, 1, body: file.Chunk(1)[..1000]))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, shortBody.StatusCode);
            StringAssert.Contains(await shortBody.Content.ReadAsStringAsync(), "1000 bytes");
        }
        using (var longBody = await session.SendChunkAsync(file, 1, body: [.. file.Chunk(1), 1, 2, 3]))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, longBody.StatusCode);
            StringAssert.Contains(await longBody.Content.ReadAsStringAsync(), "longer");
        }
        var damaged = file.Chunk(1);
        damaged[10] ^= 0xFF;
        using (var refused = await session.SendChunkAsync(file, 1, body: damaged, checksum: file.ChunkChecksum(1)))
            Assert.AreEqual(460, (int)refused.StatusCode);

        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "no record");
        Assert.IsEmpty(StoredFiles(session.User.Id), "no file");
        using (var probe = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode);
    }

    [TestMethod]
    public async Task A_file_of_one_chunk_cut_off_mid_transfer_leaves_no_file_and_uploads_afterwards()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(60_000, 65_536, "cut-whole.bin");
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(file.Parameters(1)))
        {
            Content = new BrokenContent(file.Chunk(1), breakAfter: 20_000),
        };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => session.Client.SendAsync(request));

        // The server learns of the cut when its read fails, a moment after the client gave up.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (StoredFiles(session.User.Id).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.IsEmpty(StoredFiles(session.User.Id), "the half-written file is gone");
        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "no record");

        var answers = await session.UploadAsync(file);
        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    private static List<string> StoredFiles(string userId)
    {
        var folder = Path.GetDirectoryName(App.StoredFile(userId, Guid.Empty))!;
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder)] : [];
    }
}
