using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Whether a new upload may start: the limits on one file, on what one user holds, and on the storage volume.</summary>
public sealed class UploadAdmission(IOptions<UploadOptions> uploadOptions, IOptions<StorageOptions> storageOptions, IUploadStore store, AllowedContent content)
{
    private static readonly TimeSpan InProgressRetry = TimeSpan.FromSeconds(30);

    private readonly UploadOptions _limits = uploadOptions.Value;

    /// <summary>The rules a request alone decides, checked before anything is stored.</summary>
    public Rejection? CheckFile(ChunkRequest request)
    {
        if (request.Layout.ChunkCount > _limits.MaxChunksPerFile)
            return Rejection.TooLarge(
                $"This file would be {request.Layout.ChunkCount} chunks; the most accepted is {_limits.MaxChunksPerFile}. Use chunks of at least {ByteSize.Format(MinChunkSizeFor(request.Layout.TotalSize))}.");
        return content.CheckName(request.FileName);
    }

    /// <summary>The rules that depend on what the user already holds; checked in the same transaction that records the upload.</summary>
    public Rejection? CheckUsage(ChunkRequest request, UserUsage usage)
    {
        var size = request.Layout.TotalSize;
        if (usage.BytesHeld + size > usage.QuotaBytes)
            return Rejection.TooLarge(
                $"This file ({ByteSize.Format(size)}) exceeds your storage quota: {ByteSize.Format(usage.BytesHeld)} of {ByteSize.Format(usage.QuotaBytes)} used, {ByteSize.Format(usage.BytesLeft)} left.");
        if (usage.UploadsInProgress >= _limits.MaxUploadsInProgress)
            return Rejection.TooMany(
                $"You have {usage.UploadsInProgress} uploads in progress, the most allowed; this one starts when one of them finishes.", InProgressRetry);
        if (store.AvailableBytes() is { } free && free - size < storageOptions.Value.MinFreeBytes)
            return Rejection.InsufficientStorage("The server is running out of storage space and accepts no new uploads for now.");
        return null;
    }

    private long MinChunkSizeFor(long totalSize) => (totalSize + _limits.MaxChunksPerFile - 1) / _limits.MaxChunksPerFile;
}
