namespace ChunkUploader.Web.Services.Uploads;

/// <summary>The JSON answer to an accepted chunk. <see cref="Status"/> is <c>complete</c> on the request that finished the file.</summary>
public sealed record ChunkReceipt(string Status, Guid UploadId, int ChunksReceived, int TotalChunks)
{
    public const string Received = "chunk_received";
    public const string AlreadyReceived = "chunk_already_received";
    public const string Assembling = "assembling";
    public const string Complete = "complete";
}
