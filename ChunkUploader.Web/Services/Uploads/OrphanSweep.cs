using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Removes stored bytes that no record owns: partial data of uploads no longer live (a crash, a chunk that raced a
/// cancel) and finished files whose upload was deleted, rejected or whose account is gone.
/// </summary>
public sealed partial class OrphanSweep(UploadLedger ledger, IUploadStore store, IOptions<UploadOptions> options, TimeProvider clock, ILogger<OrphanSweep> logger)
{
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        // Younger items may belong to an upload whose record is being written right now.
        var items = new List<StoredItem>();
        await foreach (var item in store.ListAsync(clock.GetUtcNow().UtcDateTime - options.Value.OrphanGrace, cancellationToken))
            items.Add(item);

        var removed = 0;
        foreach (var batch in items.Chunk(500))
        {
            var statuses = await ledger.StatusesAsync(batch.Select(i => i.UploadId).Distinct().ToList(), cancellationToken);
            foreach (var item in batch.Where(i => !IsOwned(i, statuses)))
            {
                // Asked again once the store holds the item: its writer may have recorded it since the batch was read.
                if (!await store.DeleteItemAsync(item, async token => !IsOwned(item, await ledger.StatusesAsync([item.UploadId], token)), cancellationToken))
                    continue;
                LogOrphan(logger, item.Kind, item.UploadId);
                removed++;
            }
        }
        return removed;
    }

    private static bool IsOwned(StoredItem item, Dictionary<Guid, UploadStatus> statuses) =>
        statuses.TryGetValue(item.UploadId, out var status) && (item.Kind == StoredItemKind.Receiving
            ? UploadStatuses.Live.Contains(status)
            // An assembling upload's file may already be renamed into place before its record says Complete.
            : status is UploadStatus.Complete or UploadStatus.Assembling);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed stored {Kind} data of upload {UploadId}, which no record owns")]
    private static partial void LogOrphan(ILogger logger, StoredItemKind kind, Guid uploadId);
}
