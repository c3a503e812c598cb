using System.Net;
using System.Net.Http.Headers;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// A request body that sends its first <c>sendFirst</c> bytes, says so, and holds the rest back until
/// <c>release</c> completes, optionally trickling a few bytes meanwhile so that the server's minimum data rate
/// keeps the connection open: a slow writer, or one whose server dies under it.
/// </summary>
public sealed class HeldContent : HttpContent
{
    private readonly byte[] _bytes;
    private readonly int _sendFirst;
    private readonly Task _release;
    private readonly bool _trickle;

    public HeldContent(byte[] bytes, int sendFirst, Task release, bool trickle = false)
    {
        (_bytes, _sendFirst, _release, _trickle) = (bytes, sendFirst, release, trickle);
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    }

    /// <summary>Completes once the first bytes are on the wire.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var sent = _sendFirst;
        await stream.WriteAsync(_bytes.AsMemory(0, sent));
        await stream.FlushAsync();
        Started.TrySetResult();
        while (!_release.IsCompleted)
        {
            await Task.WhenAny(_release, Task.Delay(250));
            if (!_trickle || _release.IsCompleted) continue;
            var piece = Math.Min(300, _bytes.Length - 1 - sent);
            if (piece <= 0) continue;
            await stream.WriteAsync(_bytes.AsMemory(sent, piece));
            await stream.FlushAsync();
            sent += piece;
        }
        await stream.WriteAsync(_bytes.AsMemory(sent));
        await stream.FlushAsync();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _bytes.Length;
        return true;
    }
}
