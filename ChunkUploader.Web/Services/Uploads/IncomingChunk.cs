namespace ChunkUploader.Web.Services.Uploads;

/// <summary>A parsed upload request, positioned at the first byte of its chunk.</summary>
/// <param name="Checksum">The SHA-256 the sender computed over the chunk (<c>X-Chunk-Checksum</c>), if it sent one.</param>
/// <param name="CheckEndAsync">Run once the chunk is read: what must (not) follow it in the body, such as a second file part.</param>
public sealed record IncomingChunk(ChunkRequest Request, Stream Body, byte[]? Checksum, Func<CancellationToken, Task<Rejection?>>? CheckEndAsync = null)
{
    /// <summary>When the request reached the server (UTC), before any of its body was read.</summary>
    public required DateTime ArrivedAt { get; init; }

    /// <summary>The sender holds an acknowledgement for another chunk of this file (<c>X-Upload-Continues</c>): this chunk
    /// continues an upload and must not start the file anew.</summary>
    public bool Continues { get; init; }
}
