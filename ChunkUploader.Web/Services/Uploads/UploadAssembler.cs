using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>What finishing an upload came to.</summary>
public abstract record AssemblyResult
{
    public sealed record Complete : AssemblyResult;
    /// <summary>Another request or instance holds the assembly.</summary>
    public sealed record ClaimedElsewhere : AssemblyResult;
    public sealed record Rejected(string Reason) : AssemblyResult;
    public sealed record Failed(string Reason) : AssemblyResult;
}

/// <summary>Finishes an upload whose every chunk is recorded: claim, complete in the store, check the content, mark complete, start the hash.</summary>
public sealed partial class UploadAssembler(UploadLedger ledger, IUploadStore store, AllowedContent content, UploadWorkSignal work, UploadMetrics metrics, ILogger<UploadAssembler> logger)
{
    /// <summary>Assembles the upload if this caller wins the claim; any other caller learns that someone else is on it.</summary>
    public async Task<AssemblyResult> TryAssembleAsync(Upload upload, CancellationToken cancellationToken)
    {
        if (!await ledger.TryClaimAssemblyAsync(upload.Id, cancellationToken))
            return new AssemblyResult.ClaimedElsewhere();

        // Past the claim nobody else will finish this upload until the lease runs out, so the client going away must not stop it.
        return await FinishClaimedAsync(upload, CancellationToken.None);
    }

    /// <summary>Completes an upload this instance holds in Assembling; safe to run again after a crash at any point.</summary>
    public async Task<AssemblyResult> FinishClaimedAsync(Upload upload, CancellationToken cancellationToken)
    {
        AssemblyResult result;
        if (!await store.CompleteAsync(upload.UserId, upload.Id, cancellationToken))
        {
            const string reason = "The received bytes were missing from storage at assembly; add the file again.";
            LogMissingFile(logger, upload.Id);
            await ledger.MarkUnfinishedAsync(upload.Id, UploadStatus.Failed, reason, cancellationToken);
            result = new AssemblyResult.Failed(reason);
        }
        else if (await CheckContentAsync(upload.UserId, upload.Id, upload.FileName, cancellationToken) is { } refusal)
        {
            await store.DeleteAsync(upload.UserId, upload.Id, cancellationToken);
            await ledger.MarkUnfinishedAsync(upload.Id, UploadStatus.Rejected, refusal, cancellationToken);
            LogRejected(logger, upload.Id, refusal);
            result = new AssemblyResult.Rejected(refusal);
        }
        else if (await ledger.MarkCompleteAsync(upload.Id, cancellationToken))
        {
            work.Notify();
            LogAssembled(logger, upload.Id);
            result = new AssemblyResult.Complete();
        }
        else
        {
            // Its record went with its owner's account; the orphan sweep takes the file.
            result = new AssemblyResult.Failed("This upload was deleted while it was being finished.");
        }
        metrics.Assembled(result);
        return result;
    }

    /// <summary>Why the finished file's content is not allowed (its first bytes against its name), or null when it is.</summary>
    public async Task<string?> CheckContentAsync(string userId, Guid uploadId, string fileName, CancellationToken cancellationToken)
    {
        if (!content.RestrictsTypes) return null;
        await using var file = await store.OpenReadAsync(userId, uploadId, cancellationToken);
        if (file is null) return "The finished file could not be read to check its type.";
        var head = new byte[AllowedContent.SniffLength];
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return content.CheckContent(fileName, head.AsSpan(0, read));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} assembled")]
    private static partial void LogAssembled(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} rejected after assembly: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid uploadId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload {UploadId} had every chunk recorded but no partial file; marked failed")]
    private static partial void LogMissingFile(ILogger logger, Guid uploadId);
}
