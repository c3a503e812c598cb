namespace ChunkUploader.Web.Data;

/// <summary>
/// A chunk of an upload: claimed by exactly one request, which alone may write its bytes, and recorded once they are
/// durably on disk. A claim whose lease has run out (its writer died) may be taken over by another request.
/// </summary>
public sealed class UploadChunk
{
    public Guid UploadId { get; set; }
    public int Number { get; set; }
    public long Size { get; set; }

    /// <summary>Names the request that holds the claim; a takeover replaces it, which fences off the old writer.</summary>
    public Guid ClaimToken { get; set; }
    public DateTime LeaseUntil { get; set; }

    /// <summary>When the whole chunk was on disk and recorded; null while its claimer is still writing it.</summary>
    public DateTime? RecordedAt { get; set; }
}
