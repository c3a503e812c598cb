namespace ChunkUploader.Web.Data;

/// <summary>Where an upload is in its life. Stored as text so that the database reads plainly.</summary>
public enum UploadStatus
{
    /// <summary>Chunks are arriving.</summary>
    Receiving,
    /// <summary>Every chunk is here and one request has claimed the assembly.</summary>
    Assembling,
    /// <summary>The file is in the user's files area.</summary>
    Complete,
    /// <summary>The upload could not be finished; see the failure reason.</summary>
    Failed,
    /// <summary>The user cancelled it; its chunks were deleted.</summary>
    Cancelled,
    /// <summary>Its chunks were abandoned and cleaned up.</summary>
    Expired,
    /// <summary>The finished file was deleted; the record stays for the history.</summary>
    Deleted,
}

/// <summary>Sets of statuses that several places ask about, written once.</summary>
public static class UploadStatuses
{
    /// <summary>An upload still in progress: chunks arriving or the file being assembled.</summary>
    public static readonly IReadOnlyList<UploadStatus> Live = [UploadStatus.Receiving, UploadStatus.Assembling];

    public static bool IsLive(this UploadStatus status) => Live.Contains(status);
}
