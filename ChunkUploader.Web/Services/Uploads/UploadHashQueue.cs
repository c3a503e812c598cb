using System.Threading.Channels;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Finished uploads waiting for their SHA-256, so that the final chunk's answer need not wait for a full read of the file.</summary>
public sealed class UploadHashQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Guid uploadId) => _channel.Writer.TryWrite(uploadId);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}
