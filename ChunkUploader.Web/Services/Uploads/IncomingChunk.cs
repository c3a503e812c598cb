namespace ChunkUploader.Web.Services.Uploads;

/// <summary>A parsed upload request, positioned at the first byte of its chunk.</summary>
/// <param name="Checksum">The SHA-256 the sender computed over the chunk (<c>X-Chunk-Checksum</c>), if it sent one.</param>
public sealed record IncomingChunk(ChunkRequest Request, Stream Body, byte[]? Checksum);
