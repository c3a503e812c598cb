using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Services.History;

/// <summary>One upload as the history tables and <c>GET /api/uploads</c> show it.</summary>
public sealed record UploadView(
    Guid Id,
    string UserId,
    string? UserEmail,
    string FileName,
    string RelativePath,
    string ContentType,
    long TotalSize,
    long ChunkSize,
    int TotalChunks,
    int ChunksReceived,
    long BytesReceived,
    UploadStatus Status,
    string? FailureReason,
    DateTime StartedAt,
    DateTime UpdatedAt,
    DateTime? CompletedAt,
    double? DurationSeconds,
    double? BytesPerSecond,
    string? Sha256,
    DateTime? DeletedAt,
    string? DeletedBy)
{
    public double PercentReceived => TotalSize == 0 ? (ChunksReceived == TotalChunks ? 100 : 0) : Math.Round(100.0 * BytesReceived / TotalSize, 1);
}
