using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>What the server already holds of a live upload.</summary>
public sealed record UploadProgress(Guid UploadId, UploadStatus Status, int ChunksReceived, int TotalChunks, long BytesReceived, long TotalSize);
