namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The JSON answer to an accepted chunk. <see cref="Status"/> is <c>complete</c> on the request that finished the file;
/// <see cref="Sha256"/> is there once the file's hash is recorded (at once for a file of one chunk, which is hashed as it arrives).
/// </summary>
public sealed record ChunkReceipt(string Status, Guid UploadId, int ChunksReceived, int TotalChunks, string? Sha256 = null)
{
    /// <summary>The upload was complete before this request could record it: nothing it carried was kept.</summary>
    public bool CompletedBefore { get; init; }

    public const string Received = "chunk_received";
    public const string AlreadyReceived = "chunk_already_received";
    public const string Assembling = "assembling";
    public const string Complete = "complete";
}
