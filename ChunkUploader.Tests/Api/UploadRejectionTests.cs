using System.Net;
using System.Net.Http.Headers;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>Every way a chunk request can be wrong gets a 4xx the default Resumable.js client does not retry, and stores nothing.</summary>
[TestClass]
public sealed class UploadRejectionTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow("resumableChunkNumber", null, "resumableChunkNumber is missing")]
    [DataRow("resumableChunkNumber", "two", "resumableChunkNumber must be a whole number")]
    [DataRow("resumableChunkNumber", "0", "resumableChunkNumber 0 is outside 1..9")]
    [DataRow("resumableChunkNumber", "10", "resumableChunkNumber 10 is outside 1..9")]
    [DataRow("resumableChunkNumber", "-1", "resumableChunkNumber must be a whole number")]
    [DataRow("resumableTotalSize", null, "resumableTotalSize is missing")]
    [DataRow("resumableTotalChunks", "12", "resumableTotalChunks 12 does not fit")]
    [DataRow("resumableCurrentChunkSize", "1000", "resumableCurrentChunkSize 1000 is wrong")]
    [DataRow("resumableChunkSize", "100", "is outside the accepted range")]
    [DataRow("resumableChunkSize", "999999999", "is outside the accepted range")]
    [DataRow("resumableIdentifier", "", "resumableIdentifier is missing")]
    [DataRow("resumableIdentifier", "bad\u0001id", "resumableIdentifier contains control characters")]
    [DataRow("resumableFilename", "", "resumableFilename is missing")]
    public async Task Invalid_parameters_are_refused_with_400_and_a_message(string name, string? value, string message)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "bad.bin");
        void Tamper(Dictionary<string, string> p) { if (value is null) p.Remove(name); else p[name] = value; }

        using var probe = await session.ProbeAsync(file, 1, Tamper);
        using var post = await session.SendChunkAsync(file, 1, UploadMethod.Octet, Tamper);

        foreach (var response in new[] { probe, post })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), message);
        }
        await AssertNothingStoredAsync(session);
    }

    [TestMethod]
    [DataRow("GET", "api/upload/status?resumableIdentifier=a%00b", "resumableIdentifier contains control characters")]
    [DataRow("DELETE", "api/upload?resumableIdentifier=a%00b", "resumableIdentifier contains control characters")]
    [DataRow("GET", "api/upload/status?resumableIdentifier=%20", "resumableIdentifier is missing")]
    public async Task The_status_and_cancel_requests_read_the_identifier_by_the_chunk_rules(string method, string url, string message)
    {
        using var session = await App.NewSessionAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add(ApiSession.TokenHeader, session.Token);

        using var response = await session.Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), message);
    }

    [TestMethod]
    public async Task A_file_over_the_maximum_is_refused_on_the_probe_and_the_first_chunk()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(4096, 1024, "huge.bin");
        void Huge(Dictionary<string, string> p)
        {
            p["resumableTotalSize"] = (AppFixture.MaxFileSize + 1).ToString();
            p["resumableTotalChunks"] = ((AppFixture.MaxFileSize + 1) / 1024).ToString();
        }

        using var probe = await session.ProbeAsync(file, 1, Huge);
        using var post = await session.SendChunkAsync(file, 1, tamper: Huge);

        foreach (var response in new[] { probe, post })
        {
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "the largest file accepted is 512 MiB");
        }
        await AssertNothingStoredAsync(session);
    }

    [TestMethod]
    [DataRow(UploadMethod.Multipart, 1023, "The chunk body has 1023 bytes")]
    [DataRow(UploadMethod.Multipart, 1025, "The chunk body is longer than chunk 1")]
    [DataRow(UploadMethod.Octet, 1023, "The request body has 1023 bytes")]
    [DataRow(UploadMethod.Octet, 5000, "The request body has 5000 bytes")]
    public async Task A_body_of_the_wrong_length_is_refused_and_not_recorded(UploadMethod method, int length, string message)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "short.bin");

        using var post = await session.SendChunkAsync(file, 1, method, body: new byte[length]);

        Assert.AreEqual(HttpStatusCode.BadRequest, post.StatusCode);
        StringAssert.Contains(await post.Content.ReadAsStringAsync(), message);
        using var probe = await session.ProbeAsync(file, 1);
        Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode, "a refused chunk is not reported present");
    }

    [TestMethod]
    public async Task An_upload_cannot_change_its_size_or_chunking_midway()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024, "shape.bin");
        using (var first = await session.SendChunkAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);
        var resized = TestFile.Random(20_000, 2048, "shape.bin") with { Identifier = file.Identifier };

        using var probe = await session.ProbeAsync(resized, 2);
        using var post = await session.SendChunkAsync(resized, 2);

        foreach (var response in new[] { probe, post })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "cannot change its size or chunking");
        }
        var answers = await session.UploadAsync(file, file.Numbers.Skip(1));
        await UploadEndpointTests.AssertStoredAsync(session, UploadEndpointTests.SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task A_body_that_is_neither_multipart_nor_octet_gets_415()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1000, 1024, "text.txt");
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(file.Parameters(1)))
        {
            Content = new StringContent("hello"),
        };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);

        using var response = await session.Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingStoredAsync(session);
    }

    [TestMethod]
    public async Task A_multipart_body_without_a_file_part_is_refused()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1000, 1024, "nofile.bin");
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(value), key);
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload") { Content = form };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);

        using var response = await session.Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "no 'file' part");
        await AssertNothingStoredAsync(session);
    }

    [TestMethod]
    public async Task Parameters_sent_only_as_form_fields_are_accepted()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1000, 1024, "fields.bin");
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(value), key);
        form.Add(new ByteArrayContent(file.Chunk(1)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", file.Name);
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload") { Content = form };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);

        using var response = await session.Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.AreEqual("complete", System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    private static async Task AssertNothingStoredAsync(ApiSession session)
    {
        var items = (await session.UploadsAsync()).GetProperty("items");
        Assert.AreEqual(0, items.GetArrayLength(), "no upload record");
        var userChunks = App.ChunkDirectory(session.User.Id);
        Assert.IsFalse(Directory.Exists(userChunks) && Directory.EnumerateFiles(userChunks, "*", SearchOption.AllDirectories).Any(), "no chunk bytes");
    }
}
