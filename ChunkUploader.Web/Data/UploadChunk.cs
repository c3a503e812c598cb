namespace ChunkUploader.Web.Data;

/// <summary>A chunk whose bytes are fully on disk. A row exists only after the whole chunk was written.</summary>
public sealed class UploadChunk
{
    public Guid UploadId { get; set; }
    public int Number { get; set; }
    public long Size { get; set; }
    public DateTime ReceivedAt { get; set; }
}
