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
    /// <summary>The assembled content is not of an allowed type; the file was removed.</summary>
    Rejected,
}

public static class UploadStatuses
{
    /// <summary>The statuses in which an upload still takes chunks or is being finished: the one definition of "live".</summary>
    public static readonly UploadStatus[] Live = [UploadStatus.Receiving, UploadStatus.Assembling];

    /// <summary>The statuses whose declared bytes count against the owner's quota.</summary>
    public static readonly UploadStatus[] Held = [UploadStatus.Receiving, UploadStatus.Assembling, UploadStatus.Complete];
}
