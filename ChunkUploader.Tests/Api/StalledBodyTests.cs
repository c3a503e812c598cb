using System.Net.Sockets;
using System.Text;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>A chunk body that stops arriving (a Wi-Fi hand-over) is answered with a status the page retries, never 400.</summary>
[TestClass]
public sealed class StalledBodyTests
{
    [TestMethod]
    public async Task A_chunk_body_stalled_past_Kestrels_data_rate_grace_is_answered_408_or_cut_off_never_400()
    {
        using var session = await AppFixture.Shared.NewSessionAsync();
        var file = TestFile.Random(256 * 1024, 128 * 1024, "stalled.bin");
        var baseAddress = AppFixture.Shared.BaseAddress;
        var chunk = file.Chunk(1);

        using var socket = new TcpClient();
        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = socket.GetStream();
        var head = $"POST /api/upload?{ApiSession.Query(file.Parameters(1))} HTTP/1.1\r\n" +
                   $"Host: {baseAddress.Authority}\r\n" +
                   $"Cookie: {session.Cookies.GetCookieHeader(baseAddress)}\r\n" +
                   $"{ApiSession.TokenHeader}: {session.Token}\r\n" +
                   "Content-Type: application/octet-stream\r\n" +
                   $"Content-Length: {chunk.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(chunk.AsMemory(0, 100)); // then nothing: Kestrel's minimum data rate (240 B/s after a 5 s grace) trips
        await stream.FlushAsync();

        var answer = await ReadStatusLineAsync(stream, TimeSpan.FromSeconds(45));

        Assert.IsTrue(answer is null || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal),
            $"a stalled body is answered 408 or the connection is closed, not: {answer}");
    }

    /// <summary>The response's status line, or null when the server closed the connection without one.</summary>
    private static async Task<string?> ReadStatusLineAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var received = new StringBuilder();
        var buffer = new byte[1024];
        try
        {
            while (!received.ToString().Contains("\r\n"))
            {
                var read = await stream.ReadAsync(buffer, cancel.Token);
                if (read == 0) return null;
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            return null; // reset by the server: also a cut-off the page retries
        }
        var text = received.ToString();
        return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
    }
}
