namespace ChunkUploader.Web.Data;

/// <summary>
/// What one user's uploads add up to, kept by the database itself: triggers on <c>Uploads</c> (see the
/// UserUploadTotals migration) adjust it in the same transaction as every insert, status change and delete, so the
/// quota check on a new upload reads one row instead of summing the user's whole history.
/// </summary>
public sealed class UserUploadTotals
{
    public required string UserId { get; set; }

    /// <summary>Declared bytes of the uploads in a <see cref="UploadStatuses.Held"/> status.</summary>
    public long BytesHeld { get; set; }

    /// <summary>Uploads in a <see cref="UploadStatuses.Live"/> status.</summary>
    public int UploadsLive { get; set; }
}
