using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Finishes an upload whose every chunk is recorded: claim, rename into place, mark complete, queue the hash.</summary>
public sealed partial class UploadAssembler(UploadLedger ledger, ChunkStore store, UploadHashQueue hashQueue, ILogger<UploadAssembler> logger)
{
    /// <summary>Assembles the upload if this caller wins the claim; any other caller learns that someone else is on it.</summary>
    public async Task<string> TryAssembleAsync(Upload upload, CancellationToken cancellationToken)
    {
        if (!await ledger.TryClaimAssemblyAsync(upload.Id, cancellationToken))
            return ChunkReceipt.Assembling;

        // Past the claim nobody else will finish this upload, so the client going away must not stop it.
        await FinishClaimedAsync(upload.UserId, upload.Id, CancellationToken.None);
        return ChunkReceipt.Complete;
    }

    /// <summary>Completes an upload already in Assembling; safe to run again after a crash midway.</summary>
    public async Task FinishClaimedAsync(string userId, Guid uploadId, CancellationToken cancellationToken)
    {
        if (!store.Promote(userId, uploadId))
        {
            LogMissingFile(logger, uploadId);
            await ledger.MarkFailedAsync(uploadId, "The received bytes were missing from storage at assembly.", cancellationToken);
            return;
        }
        await ledger.MarkCompleteAsync(uploadId, cancellationToken);
        hashQueue.Enqueue(uploadId);
        LogAssembled(logger, uploadId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} assembled")]
    private static partial void LogAssembled(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload {UploadId} had every chunk recorded but no partial file; marked failed")]
    private static partial void LogMissingFile(ILogger logger, Guid uploadId);
}
