using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>What a delete came to.</summary>
public enum UploadDeletion { Deleted, NotFound, BeingFinished }

/// <summary>Deletes an upload's bytes (finished file and any chunks); its record stays, marked Deleted, with who did it.</summary>
public sealed partial class UploadRemover(UploadLedger ledger, IUploadStore store, ILogger<UploadRemover> logger)
{
    /// <param name="ownerScope">The user whose uploads may be deleted; null for an admin, who may delete any.</param>
    public async Task<UploadDeletion> DeleteAsync(Guid uploadId, string? ownerScope, string deletedBy, CancellationToken cancellationToken)
    {
        var owner = await ledger.MarkDeletedAsync(uploadId, ownerScope, deletedBy, cancellationToken);
        if (owner is null)
        {
            // An upload being finished is left alone (its assembly would race the delete); it takes a moment.
            return await ledger.FindAsync(uploadId, cancellationToken) is { Status: UploadStatus.Assembling } upload && (ownerScope is null || upload.UserId == ownerScope)
                ? UploadDeletion.BeingFinished
                : UploadDeletion.NotFound;
        }
        await store.DeleteAsync(owner, uploadId, CancellationToken.None);
        LogDeleted(logger, uploadId, deletedBy);
        return UploadDeletion.Deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} deleted by {DeletedBy}")]
    private static partial void LogDeleted(ILogger logger, Guid uploadId, string deletedBy);
}
