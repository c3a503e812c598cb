namespace ChunkUploader.Web.Services.Uploads;

public enum ChunkClaimStatus
{
    /// <summary>This request holds the chunk and alone may write it.</summary>
    Claimed,
    /// <summary>The chunk is recorded already; its bytes never change.</summary>
    AlreadyRecorded,
    /// <summary>Another request holds a live claim on the chunk and is writing it now.</summary>
    Busy,
    /// <summary>The upload no longer takes chunks (assembling, finished, cancelled, expired) or is gone.</summary>
    NotReceiving,
}

/// <summary>The outcome of claiming a chunk: the token that names this request's claim, or why there is none.</summary>
public sealed record ChunkClaim(ChunkClaimStatus Status, Guid Token, DateTime LeaseUntil);
