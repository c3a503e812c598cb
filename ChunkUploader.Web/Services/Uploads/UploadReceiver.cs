using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>The chunk pipeline of one user: answer probes, store chunks, and finish the file on its last chunk.</summary>
public sealed partial class UploadReceiver(UploadLedger ledger, ChunkStore store, UploadAssembler assembler, ILogger<UploadReceiver> logger)
{
    /// <summary>Whether this user already holds this exact chunk, complete.</summary>
    public async Task<Outcome<bool>> HasChunkAsync(string userId, ChunkRequest request, CancellationToken cancellationToken)
    {
        var upload = await ledger.FindLiveAsync(userId, request.Identifier, cancellationToken);
        if (upload is null) return false;
        if (UploadLedger.SameShape(upload, request) is { } rejection) return rejection;
        return upload.Status == UploadStatus.Assembling
               || await ledger.HasChunkAsync(upload.Id, request.ChunkNumber, cancellationToken);
    }

    public async Task<Outcome<ChunkReceipt>> ReceiveAsync(string userId, ChunkRequest request, Stream body, CancellationToken cancellationToken)
    {
        var upload = await ledger.FindLiveAsync(userId, request.Identifier, cancellationToken)
                     ?? await CreateAsync(userId, request, cancellationToken);
        if (UploadLedger.SameShape(upload, request) is { } mismatch) return mismatch;

        // All chunks are in and the file is being finished: a late resend has nothing to add.
        if (upload.Status == UploadStatus.Assembling)
            return Receipt(ChunkReceipt.Assembling, upload, upload.TotalChunks);

        // Never rewrite bytes under a chunk already recorded as whole.
        if (await ledger.HasChunkAsync(upload.Id, request.ChunkNumber, cancellationToken))
            return Receipt(ChunkReceipt.AlreadyReceived, upload, upload.ChunksReceived);

        long carried;
        try
        {
            carried = await store.WriteChunkAsync(userId, upload.Id, request.Offset, request.Length, body, cancellationToken);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return await NoLongerReceivingAsync(upload);
        }
        if (carried != request.Length)
        {
            LogBodyLengthMismatch(logger, upload.Id, request.ChunkNumber, request.Length, carried);
            return Rejection.BadRequest(carried > request.Length
                ? $"The chunk body is longer than chunk {request.ChunkNumber} of this file, which is {request.Length} bytes."
                : $"The chunk body has {carried} bytes; chunk {request.ChunkNumber} of this file is {request.Length} bytes.");
        }

        if (await ledger.RecordChunkAsync(upload.Id, request.ChunkNumber, request.Length, cancellationToken) is not { } received)
            return await NoLongerReceivingAsync(upload);
        if (received < upload.TotalChunks)
            return Receipt(ChunkReceipt.Received, upload, received);

        var status = await assembler.TryAssembleAsync(upload, cancellationToken);
        return Receipt(status, upload, received);
    }

    /// <summary>Creates the partial file first, then the record; a request that loses the creation race removes its file.</summary>
    private async Task<Upload> CreateAsync(string userId, ChunkRequest request, CancellationToken cancellationToken)
    {
        var candidate = Guid.CreateVersion7();
        store.CreatePartialFile(userId, candidate);
        var upload = await ledger.CreateAsync(candidate, userId, request, cancellationToken);
        if (upload.Id != candidate) store.DeleteChunks(userId, candidate);
        return upload;
    }

    /// <summary>The answer to a chunk whose upload was finished or cancelled while it travelled.</summary>
    private async Task<Outcome<ChunkReceipt>> NoLongerReceivingAsync(Upload upload)
    {
        var now = await ledger.FindAsync(upload.Id, CancellationToken.None);
        return now?.Status is UploadStatus.Assembling or UploadStatus.Complete
            ? Receipt(ChunkReceipt.Assembling, upload, upload.TotalChunks)
            : Rejection.NotFound("This upload was cancelled, expired or deleted; add the file again to start over.");
    }

    /// <summary>How far the user's live upload with this identifier has come, for a page that resumes it.</summary>
    public async Task<UploadProgress?> ProgressAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        await ledger.FindLiveAsync(userId, identifier, cancellationToken) is { } upload
            ? new UploadProgress(upload.Id, upload.Status, upload.ChunksReceived, upload.TotalChunks, upload.BytesReceived, upload.TotalSize)
            : null;

    /// <summary>Cancels the upload and deletes its chunks at once.</summary>
    public async Task<bool> CancelAsync(string userId, string identifier, CancellationToken cancellationToken)
    {
        var upload = await ledger.CancelAsync(userId, identifier, cancellationToken);
        if (upload is null) return false;
        store.DeleteChunks(userId, upload.Id);
        LogCancelled(logger, upload.Id);
        return true;
    }

    private static ChunkReceipt Receipt(string status, Upload upload, int received) =>
        new(status, upload.Id, received, upload.TotalChunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} cancelled by its owner")]
    private static partial void LogCancelled(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} chunk {ChunkNumber}: expected {Expected} bytes, the body carried {Carried}")]
    private static partial void LogBodyLengthMismatch(ILogger logger, Guid uploadId, int chunkNumber, long expected, long carried);
}
