using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Expires uploads that received nothing for <see cref="UploadOptions.ExpireAfter"/> and deletes what they received.</summary>
public sealed partial class IdleUploadExpiry(UploadLedger ledger, IUploadStore store, IOptions<UploadOptions> options, TimeProvider clock, ILogger<IdleUploadExpiry> logger)
{
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var expired = await ledger.ExpireIdleAsync(clock.GetUtcNow().UtcDateTime - options.Value.ExpireAfter, cancellationToken);
        foreach (var (userId, id) in expired)
        {
            await store.AbortAsync(userId, id, cancellationToken);
            LogExpired(logger, id);
        }
        return expired.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} expired; its chunks were deleted")]
    private static partial void LogExpired(ILogger logger, Guid uploadId);
}
