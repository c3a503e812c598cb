using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>
/// Malformed multipart bodies and bodies whose length lies. Reading the body is the upload endpoint's job (the lead's),
/// so the cases that end in a 500 today are kept together here.
/// </summary>
[TestClass]
public sealed class MultipartAbuseTests
{
    private const string Boundary = "abuse-boundary";
    private static ApiSession _session = null!;
    private static CookieContainer _jar = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _) => (_session, _jar) = await SessionWithCookiesAsync();

    [ClassCleanup]
    public static void Stop() => _session.Dispose();

    public static IEnumerable<object[]> MalformedBodies()
    {
        var file = TestFile.Random(1000, 1024, "parts.bin");
        var fields = Fields(file);
        var filePart = FilePart(file);
        var end = $"--{Boundary}--\r\n";
        var badPartAfter = $"--{Boundary}\r\nnot-a-header\r\n\r\nx\r\n" + end;
        var firstOfThree = TestFile.Random(3000, 1024, "parts-of-three.bin");
        return new (string Case, string ContentType, string Body, string Message)[]
        {
            ("garbage", $"multipart/form-data; boundary={Boundary}", "this is not multipart at all \u0001\u0002", "multipart"),
            ("cut before the closing boundary", $"multipart/form-data; boundary={Boundary}", fields + filePart[..(filePart.Length / 2)], "multipart"),
            ("cut inside a part header", $"multipart/form-data; boundary={Boundary}", fields + $"--{Boundary}\r\nContent-Disposition: form-da", "multipart"),
            ("two file parts", $"multipart/form-data; boundary={Boundary}", fields + filePart + filePart + end, "file"),
            ("no file part", $"multipart/form-data; boundary={Boundary}", fields + end, "no 'file' part"),
            ("a 100 KB part header", $"multipart/form-data; boundary={Boundary}", fields + $"--{Boundary}\r\nX-Padding: {new string('a', 100_000)}\r\n" + filePart[(Boundary.Length + 4)..] + end, "multipart"),
            ("no boundary", "multipart/form-data", fields + filePart + end, "boundary"),
            ("a boundary of 200 characters", $"multipart/form-data; boundary={new string('b', 200)}", fields + filePart + end, "boundary"),
            ("a bad part header after the file part", $"multipart/form-data; boundary={Boundary}", fields + filePart + badPartAfter, "multipart"),
            ("a bad part header after the first of three chunks", $"multipart/form-data; boundary={Boundary}", Fields(firstOfThree) + FilePart(firstOfThree) + badPartAfter, "multipart"),
        }.Select(c => new object[] { c.Case, c.ContentType, c.Body, c.Message });
    }

    [TestMethod]
    [DynamicData(nameof(MalformedBodies))]
    public async Task A_malformed_multipart_body_gets_400_naming_the_problem(string shape, string contentType, string body, string message)
    {
        var before = await FootprintAsync();
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _session.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/upload") { Content = content }.WithToken(_session));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, message, before);
    }

    [TestMethod]
    [DataRow(UploadMethod.Octet)]
    [DataRow(UploadMethod.Multipart)]
    public async Task A_connection_that_ends_before_the_declared_length_stores_nothing_and_logs_no_error(UploadMethod method)
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024, "cut.bin");
        var (contentType, body) = await BodyAsync(file, method);

        var answer = await RawPostAsync(file, contentType, declaredLength: body.Length, body[..(body.Length / 2)], hangUp: true);

        Assert.IsTrue(answer is null || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"no answer, or 400: {answer}");
        await AssertUnchangedAsync(before, settle: TimeSpan.FromSeconds(10)); // the server notices the closed connection after the client does
    }

    [TestMethod]
    public async Task A_declared_length_shorter_than_the_chunk_gets_400_naming_the_length()
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024, "short.bin");

        var answer = await RawPostAsync(file, "application/octet-stream", declaredLength: 500, file.Chunk(1));

        StringAssert.StartsWith(answer, "HTTP/1.1 400");
        StringAssert.Contains(answer, "The request body has 500 bytes");
        await AssertUnchangedAsync(before);
    }

    [TestMethod]
    public async Task A_declared_length_of_10_GiB_for_a_small_chunk_gets_400_before_the_body_is_read()
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024, "huge.bin");

        var answer = await RawPostAsync(file, "application/octet-stream", declaredLength: 10L * 1024 * 1024 * 1024, file.Chunk(1));

        StringAssert.StartsWith(answer, "HTTP/1.1 400");
        StringAssert.Contains(answer, "10737418240");
        await AssertUnchangedAsync(before);
    }

    private static string Fields(TestFile file) => string.Concat(file.Parameters(1).Select(p => Field(p.Key, p.Value)));

    private static string FilePart(TestFile file) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n{Encoding.Latin1.GetString(file.Chunk(1))}\r\n";

    private static string Field(string name, string value) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n";

    private static async Task<(string ContentType, byte[] Body)> BodyAsync(TestFile file, UploadMethod method)
    {
        if (method == UploadMethod.Octet) return ("application/octet-stream", file.Chunk(1));
        var form = new MultipartFormDataContent(Boundary);
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(value), key);
        form.Add(new ByteArrayContent(file.Chunk(1)) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", file.Name);
        return (form.Headers.ContentType!.ToString(), await form.ReadAsByteArrayAsync());
    }

    /// <summary>
    /// A POST over a raw socket, so that Content-Length can lie. Sends <paramref name="body"/>, closes the sending side
    /// when asked (Kestrel takes that as the client going away), and returns the answer (status line, headers and body),
    /// or null when the server closed without one.
    /// </summary>
    private static async Task<string?> RawPostAsync(TestFile file, string contentType, long declaredLength, byte[] body, bool hangUp = false)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, App.BaseAddress.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = $"POST /api/upload?{ApiSession.Query(file.Parameters(1))} HTTP/1.1\r\nHost: {App.BaseAddress.Authority}\r\n" +
                   $"Cookie: {_jar.GetCookieHeader(App.BaseAddress)}\r\n{ApiSession.TokenHeader}: {_session.Token}\r\n" +
                   $"Content-Type: {contentType}\r\nContent-Length: {declaredLength}\r\nConnection: close\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(body);
            if (hangUp) socket.Shutdown(SocketShutdown.Send);
        }
        catch (IOException) { }
        catch (SocketException) { }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var answer = await reader.ReadToEndAsync(timeout.Token);
            return answer.Length == 0 ? null : answer;
        }
        catch (IOException) { return null; }
    }
}
