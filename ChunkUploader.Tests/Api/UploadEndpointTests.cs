using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>The Resumable.js endpoint through real HTTP: whole uploads, checked byte for byte.</summary>
[TestClass]
public sealed class UploadEndpointTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow(1L, 1024L, false, UploadMethod.Multipart, DisplayName = "one byte")]
    [DataRow(1000L, 1024L, false, UploadMethod.Multipart, DisplayName = "smaller than a chunk")]
    [DataRow(10_240L, 1024L, false, UploadMethod.Multipart, DisplayName = "exact multiple")]
    [DataRow(10_000L, 1024L, false, UploadMethod.Octet, DisplayName = "remainder in last chunk, octet")]
    [DataRow(10_000L, 1024L, true, UploadMethod.Multipart, DisplayName = "forceChunkSize")]
    [DataRow(3_000_000L, 262_144L, false, UploadMethod.Multipart, DisplayName = "3 MB in 256 KiB chunks")]
    [DataRow(5_000_000L, 1_048_576L, true, UploadMethod.Octet, DisplayName = "5 MB in 1 MiB chunks, forced, octet")]
    public async Task Upload_in_order_stores_a_byte_identical_file(long size, long chunkSize, bool force, UploadMethod method)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(size, chunkSize, "data.bin", force);

        var answers = await session.UploadAsync(file, method: method);

        var complete = answers.Where(a => a.GetProperty("status").GetString() == "complete").ToList();
        Assert.HasCount(1, complete, "exactly one answer says the file is complete");
        var id = complete[0].GetProperty("uploadId").GetGuid();
        await AssertStoredAsync(session, id, file);
    }

    [TestMethod]
    public async Task An_empty_file_is_one_empty_chunk()
    {
        using var session = await App.NewSessionAsync();
        var file = new TestFile([], "empty.txt", 1024);

        var answers = await session.UploadAsync(file);

        Assert.AreEqual("complete", answers.Single().GetProperty("status").GetString());
        await AssertStoredAsync(session, answers.Single().GetProperty("uploadId").GetGuid(), file);
    }

    [TestMethod]
    public async Task Chunks_sent_while_Resumable_js_was_still_counting_them_are_taken_or_sent_again_and_the_file_completes_byte_identical()
    {
        using var session = await App.NewSessionAsync();
        var exact = TestFile.Random(8 * 1024, 1024, "eight-chunks.bin");
        var uneven = TestFile.Random(8 * 1024 + 100, 1024, "eight-and-a-bit.bin");

        // Chunks 1 and 2 of a file whose chunks are the same under either rule: taken at once.
        foreach (var number in new[] { 1, 2 })
        {
            using var early = await session.SendChunkAsync(exact, number, tamper: p => p["resumableTotalChunks"] = number.ToString());
            Assert.AreEqual(HttpStatusCode.OK, early.StatusCode, await early.Content.ReadAsStringAsync());
        }
        // A file the two rules cut differently: its probe and chunk are answered "not yet", and nothing is stored.
        using (var probe = await session.ProbeAsync(uneven, 1, p => p["resumableTotalChunks"] = "1"))
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        using (var early = await session.SendChunkAsync(uneven, 1, tamper: p => p["resumableTotalChunks"] = "1"))
        {
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, early.StatusCode);
            Assert.AreEqual(TimeSpan.FromSeconds(1), early.Headers.RetryAfter?.Delta);
            StringAssert.Contains(await early.Content.ReadAsStringAsync(), "still counting");
        }
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "only the first file was started");

        await AssertStoredAsync(session, SingleCompletion(await session.UploadAsync(exact, exact.Numbers.Skip(2))), exact);
        await AssertStoredAsync(session, SingleCompletion(await session.UploadAsync(uneven)), uneven);
    }

    [TestMethod]
    public async Task Chunks_out_of_order_assemble_correctly()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(20_000, 1024, "shuffled.bin");
        var order = file.Numbers.OrderBy(_ => Random.Shared.Next()).ToList();

        var answers = await session.UploadAsync(file, order);

        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task Concurrent_chunks_assemble_exactly_once()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(2_000_000, 16_384, "concurrent.bin");

        var answers = await session.UploadAsync(file, file.Numbers.Reverse(), parallel: 6);

        var id = SingleCompletion(answers);
        await AssertStoredAsync(session, id, file);
        var mine = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.HasCount(1, mine, "one history record");
    }

    [TestMethod]
    public async Task Final_chunks_sent_all_at_once_assemble_exactly_once()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(64 * 1024, 4096, "finale.bin");
        await session.UploadAsync(file, file.Numbers.Take(file.ChunkCount - 6));

        // The last six chunks race, each of them possibly seeing "everything is here".
        var answers = await session.UploadAsync(file, file.Numbers.Skip(file.ChunkCount - 6), parallel: 6);

        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task Resent_chunks_are_harmless()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "resent.bin");
        var order = new[] { 1, 1, 2, 3, 3, 3 }.Concat(file.Numbers.Skip(3)).ToList();

        var answers = await session.UploadAsync(file, order.Take(order.Count - 1));
        Assert.IsTrue(answers.Any(a => a.GetProperty("status").GetString() == "chunk_already_received"));
        // The same chunk resent concurrently.
        var finals = await session.UploadAsync(file, Enumerable.Repeat(file.ChunkCount, 4), parallel: 4);

        await AssertStoredAsync(session, SingleCompletion(finals), file);
    }

    [TestMethod]
    public async Task Probe_answers_204_until_the_chunk_is_held_then_200()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(5000, 1024, "probe.bin");

        using (var before = await session.ProbeAsync(file, 2)) Assert.AreEqual(HttpStatusCode.NoContent, before.StatusCode);
        using (var sent = await session.SendChunkAsync(file, 2)) Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode);
        using (var after = await session.ProbeAsync(file, 2)) Assert.AreEqual(HttpStatusCode.OK, after.StatusCode);
        using (var other = await session.ProbeAsync(file, 3)) Assert.AreEqual(HttpStatusCode.NoContent, other.StatusCode);
    }

    [TestMethod]
    public async Task Probe_returns_204_for_a_chunk_of_another_user()
    {
        using var alice = await App.NewSessionAsync();
        using var bob = await App.NewSessionAsync();
        var file = TestFile.Random(5000, 1024, "shared-name.bin");
        using (var sent = await alice.SendChunkAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode);

        using var probe = await bob.ProbeAsync(file, 1);

        Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode);
    }

    [TestMethod]
    public async Task Two_users_with_the_same_identifier_never_interfere()
    {
        using var alice = await App.NewSessionAsync();
        using var bob = await App.NewSessionAsync();
        var aliceFile = TestFile.Random(50_000, 1024, "same.bin");
        var bobFile = TestFile.Random(50_000, 1024, "same.bin") with { Identifier = aliceFile.Identifier };

        var uploads = await Task.WhenAll(alice.UploadAsync(aliceFile, parallel: 3), bob.UploadAsync(bobFile, parallel: 3));

        await AssertStoredAsync(alice, SingleCompletion(uploads[0]), aliceFile);
        await AssertStoredAsync(bob, SingleCompletion(uploads[1]), bobFile);
    }

    [TestMethod]
    public async Task A_chunk_cut_off_mid_transfer_is_never_reported_present()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(200_000, 65_536, "cut.bin");
        using (var first = await session.SendChunkAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(file.Parameters(2)))
        {
            Content = new BrokenContent(file.Chunk(2), breakAfter: 10_000),
        };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => session.Client.SendAsync(request));

        using var probe = await session.ProbeAsync(file, 2);
        Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode);
        var answers = await session.UploadAsync(file, file.Numbers.Skip(1));
        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task Hostile_names_are_kept_as_metadata_and_never_become_paths()
    {
        using var session = await App.NewSessionAsync();
        var file = new TestFile(RandomNumberGenerator.GetBytes(3000), "../../../../etc/passwd", 1024, RelativePath: "../../outside/\\..\\x")
        {
            Identifier = "../../../escape",
        };

        var answers = await session.UploadAsync(file);

        var id = SingleCompletion(answers);
        var record = await AssertStoredAsync(session, id, file);
        Assert.AreEqual("../../../../etc/passwd", record.GetProperty("fileName").GetString());
        Assert.AreEqual("../../outside/\\..\\x", record.GetProperty("relativePath").GetString());
        Assert.IsEmpty(App.FilesOutsideStorageRoot().ToList(), "nothing is written outside the storage root");
        Assert.IsFalse(Directory.EnumerateFileSystemEntries(App.StorageRoot, "*passwd*", SearchOption.AllDirectories).Any());
    }

    [TestMethod]
    public async Task Cancel_deletes_the_chunks_at_once_and_needs_the_token()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "cancel.bin");
        await session.UploadAsync(file, file.Numbers.Take(3));
        var url = $"api/upload?resumableIdentifier={Uri.EscapeDataString(file.Identifier)}";

        using (var status = await session.Client.GetAsync(url.Replace("api/upload?", "api/upload/status?")))
            StringAssert.Contains(await status.Content.ReadAsStringAsync(), "\"chunksReceived\":3");
        using (var tokenless = await session.Client.DeleteAsync(url)) Assert.AreEqual(HttpStatusCode.BadRequest, tokenless.StatusCode);
        var delete = new HttpRequestMessage(HttpMethod.Delete, url);
        delete.Headers.Add(ApiSession.TokenHeader, session.Token);
        using (var cancelled = await session.Client.SendAsync(delete)) Assert.AreEqual(HttpStatusCode.NoContent, cancelled.StatusCode);

        var record = (await session.UploadsAsync()).GetProperty("items")[0];
        Assert.AreEqual("Cancelled", record.GetProperty("status").GetString());
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id, record.GetProperty("id").GetGuid())));
        using (var probe = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode, "a cancelled upload holds nothing");
    }

    /// <summary>Checks the record and the stored file against the source, and that the chunk directory is gone.</summary>
    /// <summary>The upload is complete, its recorded and stored SHA-256 are the file's, and nothing else is left; on <paramref name="app"/>, the shared app by default.</summary>
    public static async Task<JsonElement> AssertStoredAsync(ApiSession session, Guid id, TestFile file, AppFixture? app = null)
    {
        app ??= App;
        var record = await session.WaitForHashAsync(id);
        Assert.AreEqual("Complete", record.GetProperty("status").GetString());
        Assert.AreEqual(file.Size, record.GetProperty("totalSize").GetInt64());
        Assert.AreEqual(file.ChunkCount, record.GetProperty("chunksReceived").GetInt32());
        Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString(), "recorded SHA-256");

        var stored = app.StoredFile(session.User.Id, id);
        Assert.IsTrue(File.Exists(stored), $"finished file at {stored}");
        await using (var stream = File.OpenRead(stored))
            Assert.AreEqual(file.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)), "stored bytes");
        Assert.IsFalse(Directory.Exists(app.ChunkDirectory(session.User.Id, id)), "chunk directory removed");
        await app.AssertOneRecordPerFileAsync(session.User.Id);
        return record;
    }

    /// <summary>The one upload the answers completed: a resend after completion answers "complete" too, always for the same upload.</summary>
    public static Guid SingleCompletion(IEnumerable<JsonElement> answers)
    {
        var completed = answers.Where(a => a.GetProperty("status").GetString() == "complete").Select(a => a.GetProperty("uploadId").GetGuid()).Distinct().ToList();
        Assert.HasCount(1, completed, "the answers report the completion of exactly one upload");
        return completed[0];
    }

    /// <summary>Sends part of its bytes, then fails as a dropped connection would.</summary>
    internal sealed class BrokenContent : HttpContent
    {
        private readonly byte[] bytes;
        private readonly int breakAfter;

        public BrokenContent(byte[] bytes, int breakAfter)
        {
            (this.bytes, this.breakAfter) = (bytes, breakAfter);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, breakAfter));
            await stream.FlushAsync();
            await Task.Delay(200);
            throw new IOException("connection dropped");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
