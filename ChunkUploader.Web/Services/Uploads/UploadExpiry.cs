using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Cleans up what abandoned uploads leave: expires uploads idle longer than <see cref="UploadOptions.ExpireAfter"/>
/// and deletes their chunks, then removes any chunk directory whose upload is no longer live (left by a crash or a
/// chunk that raced a cancel), and finishes assemblies whose claimer died (claimed minutes ago, never completed).
/// </summary>
public sealed partial class UploadExpiry(UploadLedger ledger, ChunkStore store, UploadAssembler assembler, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadExpiry> logger)
{
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - options.Value.ExpireAfter;

        // A rename and two updates take well under a second; two minutes means the claimer is gone.
        foreach (var (userId, id) in await ledger.StalledAssembliesAsync(now.AddMinutes(-2), cancellationToken))
        {
            LogResumingAssembly(logger, id);
            await assembler.FinishClaimedAsync(userId, id, cancellationToken);
        }

        var expired = await ledger.ExpireIdleAsync(cutoff, cancellationToken);
        foreach (var (userId, id) in expired)
        {
            store.DeleteChunks(userId, id);
            LogExpired(logger, id);
        }

        // Directories younger than a minute may belong to an upload whose record is being created right now.
        var orphans = store.ChunkDirectories().Where(d => d.LastWriteUtc < now.AddMinutes(-1)).ToList();
        var live = await ledger.LiveAmongAsync(orphans.Select(o => o.UploadId).ToList(), cancellationToken);
        foreach (var orphan in orphans.Where(o => !live.Contains(o.UploadId)))
        {
            store.DeleteChunkDirectory(orphan.UserDirectory, orphan.UploadId);
            LogOrphan(logger, orphan.UploadId);
        }
        return expired.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} was left in Assembling; finishing it")]
    private static partial void LogResumingAssembly(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} expired; its chunks were deleted")]
    private static partial void LogExpired(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the chunk directory of upload {UploadId}, which is no longer live")]
    private static partial void LogOrphan(ILogger logger, Guid uploadId);
}
