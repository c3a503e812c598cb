using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The chunk pipeline of one user: answer probes, store chunks, and finish the file on its last chunk.
/// A chunk is written only by the request that holds its claim, recorded only once its bytes are durable,
/// and never written again; a request that is refused leaves nothing behind.
/// </summary>
public sealed partial class UploadReceiver(
    UploadLedger ledger,
    IUploadStore store,
    UploadAdmission admission,
    UploadAssembler assembler,
    UploadMetrics metrics,
    TimeProvider clock,
    IOptions<UploadOptions> options,
    ILogger<UploadReceiver> logger)
{
    /// <summary>Whether this user already holds this exact chunk: recorded, or part of a file being finished or complete.</summary>
    public async Task<Outcome<bool>> HasChunkAsync(string userId, ChunkRequest request, CancellationToken cancellationToken)
    {
        // A file the server would refuse is refused on its probe, before its chunk is sent.
        if (await ledger.ProbeAsync(userId, request, cancellationToken) is not { } upload)
            return admission.CheckFile(request) is { } refused ? refused : false;
        return UploadLedger.SameShape(upload, request) is { } rejection ? rejection : upload.HoldsChunk;
    }

    public async Task<Outcome<ChunkReceipt>> ReceiveAsync(string userId, IncomingChunk chunk, CancellationToken cancellationToken)
    {
        var request = chunk.Request;
        // A second pass only when the upload found on the first was discarded meanwhile by the refused request that created it.
        for (var pass = 0; ; pass++)
        {
            var opened = await OpenAsync(userId, chunk, cancellationToken);
            if (opened.Rejection is { } refused) return refused;
            var (found, created) = opened.Value!;
            if (found is not { } upload) return await ReceiveWholeAsync(userId, chunk, cancellationToken);
            if (upload.Status == UploadStatus.Complete) return Receipt(ChunkReceipt.Complete, upload, upload.TotalChunks) with { CompletedBefore = true };

            var claim = await ledger.ClaimChunkAsync(upload.Id, request.ChunkNumber, request.Length, cancellationToken);
            switch (claim.Status)
            {
                case ChunkClaimStatus.Claimed:
                    return await WriteAndRecordAsync(userId, upload, created, chunk, claim, cancellationToken);
                case ChunkClaimStatus.AlreadyRecorded when upload.ChunksReceived == upload.TotalChunks:
                    // Every chunk is in but the request that recorded the last one died before finishing: this resend finishes it.
                    return await FinishAsync(upload, cancellationToken);
                case ChunkClaimStatus.AlreadyRecorded:
                    // Where the upload stands now: another request may have recorded its last chunk since it was looked up.
                    var current = await ledger.FindAsync(upload.Id, cancellationToken) ?? upload;
                    return current is { Status: UploadStatus.Receiving } && current.ChunksReceived < current.TotalChunks
                        ? Receipt(ChunkReceipt.AlreadyReceived, current, current.ChunksReceived)
                        : NoLongerReceiving(current);
                case ChunkClaimStatus.Busy:
                    return InFlightElsewhere(request);
                default:
                    var now = await ledger.FindAsync(upload.Id, cancellationToken);
                    if (now is null && pass == 0) continue;
                    return NoLongerReceiving(now);
            }
        }
    }

    /// <summary>The user's upload of this file: live, completed earlier, or new (if admitted); none for a new file of one
    /// chunk, which is received whole without an upload in progress.</summary>
    private async Task<Outcome<(Upload? Upload, bool Created)>> OpenAsync(string userId, IncomingChunk chunk, CancellationToken cancellationToken)
    {
        var request = chunk.Request;
        // A file of one chunk is nearly always new (its probe found nothing), so it is not looked up before its bytes are
        // stored: recording it looks again, under the owner's lock, and drops the bytes if it was not new after all.
        var presumedNew = request.Layout.ChunkCount == 1 && ledger.MayBeNew(userId, request);
        if (!presumedNew && await ledger.FindExistingAsync(userId, request, cancellationToken) is { } existing)
            return UploadLedger.SameShape(existing, request) is { } mismatch ? mismatch : (existing, false);
        // A page that resumes a file after its upload expired would otherwise start it anew with only the chunks it has
        // left, which never completes: it is told, and its retry sends the whole file.
        if (chunk.Continues && request.Layout.ChunkCount > 1)
            return NothingToContinue(await ledger.FindLatestAsync(userId, request.Identifier, cancellationToken));
        if (admission.CheckFile(request) is { } refused)
            return refused;
        if (request.Layout.ChunkCount == 1)
            return (null, false);
        // A chunk sent before its upload was cancelled, but looked at only after, is in flight like any other: it must
        // not start the file again. Only a request that arrives after the cancel may.
        if (await ledger.CancelledSinceAsync(userId, request.Identifier, chunk.ArrivedAt, cancellationToken))
            return Rejection.NotFound("This upload was cancelled while this chunk travelled; add the file again to start over.");

        // The partial data exists before the record, so that whoever finds the record finds somewhere to write.
        var candidate = Guid.CreateVersion7();
        await store.BeginAsync(userId, candidate, cancellationToken);
        Outcome<Upload> outcome;
        try
        {
            outcome = await ledger.CreateAsync(candidate, userId, request, usage => admission.CheckUsage(request, usage), cancellationToken);
        }
        catch
        {
            // The client went away or the database failed: what no record names goes now rather than at the orphan sweep.
            await DeleteUnrecordedAsync(userId, candidate);
            throw;
        }
        if (outcome.Value?.Id != candidate) await store.AbortAsync(userId, candidate, CancellationToken.None);
        if (outcome.Rejection is { } overLimit) return overLimit;

        var upload = outcome.Value!;
        if (upload.Id != candidate)
            return UploadLedger.SameShape(upload, request) is { } mismatch ? mismatch : (upload, false);
        LogStarted(logger, upload.Id, userId, upload.TotalSize, upload.TotalChunks);
        return (upload, true);
    }

    /// <summary>
    /// A new file of one chunk: stored straight as the finished file and hashed on the way, then recorded complete in one
    /// transaction that applies the same limits as any new upload. No partial file, claim, assembly or hashing pass: a
    /// small file costs about one chunk. The file stays held until its record is written, so the orphan sweep cannot take
    /// it; a request that fails midway deletes it (and one that dies leaves it to the sweep).
    /// </summary>
    private async Task<Outcome<ChunkReceipt>> ReceiveWholeAsync(string userId, IncomingChunk chunk, CancellationToken cancellationToken)
    {
        var request = chunk.Request;
        var startedAt = clock.GetUtcNow().UtcDateTime;
        var uploadId = Guid.CreateVersion7();
        HeldWrite? held = null;
        try
        {
            Rejection? refused;
            try
            {
                held = await store.WriteFinishedAsync(userId, uploadId, request.Length, chunk.Body, cancellationToken);
                refused = Check(held.Written, chunk) ?? await CheckEndAsync(chunk, cancellationToken);
            }
            catch
            {
                await store.DeleteAsync(userId, uploadId, CancellationToken.None);
                throw;
            }
            if (refused is not null)
            {
                await store.DeleteAsync(userId, uploadId, CancellationToken.None);
                LogChunkRefused(logger, uploadId, request.ChunkNumber, refused.Message);
                return refused;
            }
            try
            {
                return await RecordWholeAsync(userId, uploadId, request, startedAt, held.Written.Sha256!, cancellationToken);
            }
            catch
            {
                await DeleteUnrecordedAsync(userId, uploadId);
                throw;
            }
        }
        finally
        {
            held?.Dispose();
        }
    }

    /// <summary>Deletes what a failed request stored, unless its record was written after all (a commit whose answer was lost).</summary>
    private async Task DeleteUnrecordedAsync(string userId, Guid uploadId)
    {
        if (await ledger.FindAsync(uploadId, CancellationToken.None) is null) await store.DeleteAsync(userId, uploadId, CancellationToken.None);
    }

    private async Task<Outcome<ChunkReceipt>> RecordWholeAsync(string userId, Guid uploadId, ChunkRequest request, DateTime startedAt, byte[] hash, CancellationToken cancellationToken)
    {
        var contentRefusal = await assembler.CheckContentAsync(userId, uploadId, request.FileName, cancellationToken);
        var sha256 = Convert.ToHexStringLower(hash);
        var outcome = await ledger.CreateWholeAsync(uploadId, userId, request, startedAt, sha256, contentRefusal,
            usage => admission.CheckUsage(request, usage), cancellationToken);
        if (outcome.Value?.Id != uploadId || contentRefusal is not null) await store.DeleteAsync(userId, uploadId, CancellationToken.None);
        if (outcome.Rejection is { } overLimit) return overLimit;

        var upload = outcome.Value!;
        if (upload.Id != uploadId)
        {
            // The same file, recorded earlier or by another request while this one was reading it: its bytes were dropped.
            if (UploadLedger.SameShape(upload, request) is { } mismatch) return mismatch;
            return upload.Status == UploadStatus.Complete
                ? Receipt(ChunkReceipt.Complete, upload, upload.TotalChunks) with { CompletedBefore = true }
                : InFlightElsewhere(request);
        }
        metrics.ChunkReceived(request.Length);
        if (contentRefusal is not null)
        {
            metrics.Assembled(new AssemblyResult.Rejected(contentRefusal));
            LogWholeRejected(logger, upload.Id, userId, contentRefusal);
            return Rejection.UnsupportedMediaType(contentRefusal);
        }
        metrics.Assembled(new AssemblyResult.Complete());
        LogReceivedWhole(logger, upload.Id, userId, upload.TotalSize, sha256);
        return Receipt(ChunkReceipt.Complete, upload, upload.TotalChunks);
    }

    private async Task<Outcome<ChunkReceipt>> WriteAndRecordAsync(string userId, Upload upload, bool created, IncomingChunk chunk, ChunkClaim claim, CancellationToken cancellationToken)
    {
        var request = chunk.Request;
        var fence = new ChunkLeaseFence(ledger, clock, options.Value, upload.Id, request.ChunkNumber, claim);
        ChunkWrite written;
        Rejection? refused;
        try
        {
            written = await store.WriteChunkAsync(userId, upload.Id, request.Offset, request.Length, chunk.Body, fence, chunk.Checksum is not null, cancellationToken);
            refused = Check(written, chunk) ?? await CheckEndAsync(chunk, cancellationToken);
        }
        catch (ChunkClaimLostException)
        {
            // Taken over by a resend after this writer stalled past its lease (the resend owns the chunk and answers for
            // it), or gone with its upload, cancelled or expired meanwhile: then a resend must not start the file again.
            var now = await ledger.FindAsync(upload.Id, CancellationToken.None);
            return now?.Status is UploadStatus.Receiving or UploadStatus.Assembling or UploadStatus.Complete
                ? InFlightElsewhere(request)
                : NoLongerReceiving(now);
        }
        catch
        {
            await AbandonAsync(userId, upload.Id, created, request.ChunkNumber, claim);
            throw;
        }

        if (refused is not null)
        {
            await AbandonAsync(userId, upload.Id, created, request.ChunkNumber, claim);
            if (written.Status == ChunkWriteStatus.UploadGone) return NoLongerReceiving(await ledger.FindAsync(upload.Id, CancellationToken.None));
            LogChunkRefused(logger, upload.Id, request.ChunkNumber, refused.Message);
            return refused;
        }

        if (await ledger.RecordChunkAsync(upload.Id, request.ChunkNumber, claim.Token, request.Length) is not { } received)
        {
            var now = await ledger.FindAsync(upload.Id, CancellationToken.None);
            return now?.Status == UploadStatus.Receiving
                ? InFlightElsewhere(request)
                : NoLongerReceiving(now);
        }
        metrics.ChunkReceived(request.Length);
        if (received < upload.TotalChunks)
            return Receipt(ChunkReceipt.Received, upload, received);

        return await FinishAsync(upload, cancellationToken);
    }

    /// <summary>
    /// Assembles the upload, or, when another request holds it, says where it stands now: a claim can also fail because
    /// the upload was cancelled, expired or deleted since its last chunk was recorded, and that is not "assembling".
    /// </summary>
    private async Task<Outcome<ChunkReceipt>> FinishAsync(Upload upload, CancellationToken cancellationToken) =>
        await assembler.TryAssembleAsync(upload, cancellationToken) switch
        {
            AssemblyResult.Complete => Receipt(ChunkReceipt.Complete, upload, upload.TotalChunks),
            AssemblyResult.Rejected { Reason: var reason } => Rejection.UnsupportedMediaType(reason),
            AssemblyResult.Failed { Reason: var reason } => Rejection.NotFound(reason),
            _ => NoLongerReceiving(await ledger.FindAsync(upload.Id, CancellationToken.None)),
        };

    /// <summary>The rules only the written bytes can settle: the upload still there, the length, the checksum.</summary>
    private static Rejection? Check(ChunkWrite written, IncomingChunk chunk)
    {
        var request = chunk.Request;
        if (written.Status == ChunkWriteStatus.UploadGone)
            return Rejection.NotFound("This upload was cancelled, expired or deleted; add the file again to start over.");
        if (written.Carried > request.Length)
            return Rejection.BadRequest($"The chunk body is longer than chunk {request.ChunkNumber} of this file, which is {request.Length} bytes.");
        if (written.Carried < request.Length)
            return Rejection.BadRequest($"The chunk body has {written.Carried} bytes; chunk {request.ChunkNumber} of this file is {request.Length} bytes.");
        if (chunk.Checksum is { } expected && !CryptographicOperations.FixedTimeEquals(expected, written.Sha256))
            return Rejection.ChecksumMismatch($"Chunk {request.ChunkNumber} arrived damaged: its SHA-256 does not match X-Chunk-Checksum. Send it again.");
        return null;
    }

    private static async Task<Rejection?> CheckEndAsync(IncomingChunk chunk, CancellationToken cancellationToken) =>
        chunk.CheckEndAsync is { } check ? await check(cancellationToken) : null;

    /// <summary>Undoes what a failed request did: its claim goes, and so does an upload it created that nothing else used.</summary>
    private async Task AbandonAsync(string userId, Guid uploadId, bool created, int chunkNumber, ChunkClaim claim)
    {
        await ledger.ReleaseChunkAsync(uploadId, chunkNumber, claim.Token, CancellationToken.None);
        if (created && await ledger.DiscardIfUnusedAsync(uploadId, CancellationToken.None))
            await store.AbortAsync(userId, uploadId, CancellationToken.None);
    }

    /// <summary>A duplicate of a chunk another request is writing: the writer usually finishes within moments, so retry soon
    /// (a writer that died holds the chunk only until its lease runs out).</summary>
    private static Rejection InFlightElsewhere(ChunkRequest request) =>
        Rejection.Busy($"Chunk {request.ChunkNumber} is being received on another connection right now; send it again shortly.", TimeSpan.FromSeconds(1));

    /// <summary>The answer to a chunk whose upload was finished or cancelled while it travelled.</summary>
    private static Outcome<ChunkReceipt> NoLongerReceiving(Upload? upload) => upload?.Status switch
    {
        // Fully received and waiting for its assembly (its claimer's lease ran out): the recovery finishes it.
        UploadStatus.Receiving when upload.ChunksReceived == upload.TotalChunks => Receipt(ChunkReceipt.Assembling, upload, upload.TotalChunks),
        UploadStatus.Assembling => Receipt(ChunkReceipt.Assembling, upload, upload.TotalChunks),
        UploadStatus.Complete => Receipt(ChunkReceipt.Complete, upload, upload.TotalChunks),
        UploadStatus.Rejected => Rejection.UnsupportedMediaType(upload.FailureReason ?? "The server refused the file once it had all of it."),
        UploadStatus.Failed => Rejection.NotFound(upload.FailureReason ?? "The server could not finish the file; add it again."),
        _ => Rejection.NotFound("This upload was cancelled, expired or deleted; add the file again to start over."),
    };

    /// <summary>The answer to a chunk that continues an upload the server no longer receives.</summary>
    private static Rejection NothingToContinue(Upload? latest) => latest?.Status switch
    {
        UploadStatus.Expired => Rejection.NotFound("This upload expired: no chunk of it arrived for too long, and the server deleted what it had. Retry the file to send it again from the start."),
        UploadStatus.Cancelled => Rejection.NotFound("This upload was cancelled, and the server deleted what it had. Add the file again to start over."),
        UploadStatus.Deleted => Rejection.NotFound("This upload was deleted. Add the file again to start over."),
        UploadStatus.Failed => Rejection.NotFound(latest.FailureReason ?? "The server could not finish the file. Add it again to start over."),
        UploadStatus.Rejected => Rejection.UnsupportedMediaType(latest.FailureReason ?? "The server refused the file once it had all of it."),
        _ => Rejection.NotFound("The server has no upload of this file in progress. Retry the file to send it again from the start."),
    };

    /// <summary>How far the user's upload with this identifier has come (live, or complete), for a page that resumes it.</summary>
    public async Task<UploadProgress?> ProgressAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        await ledger.FindCurrentAsync(userId, identifier, cancellationToken) is { } upload
            ? new UploadProgress(upload.Id, upload.Status, upload.ChunksReceived, upload.TotalChunks, upload.BytesReceived, upload.TotalSize)
            : null;

    /// <summary>Cancels the upload and deletes its chunks at once.</summary>
    public async Task<bool> CancelAsync(string userId, string identifier, CancellationToken cancellationToken)
    {
        var upload = await ledger.CancelAsync(userId, identifier, cancellationToken);
        if (upload is null) return false;
        await store.AbortAsync(userId, upload.Id, CancellationToken.None);
        LogCancelled(logger, upload.Id);
        return true;
    }

    private static ChunkReceipt Receipt(string status, Upload upload, int received) =>
        new(status, upload.Id, received, upload.TotalChunks, upload.Sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} started by {UserId}: {TotalSize} bytes in {TotalChunks} chunks")]
    private static partial void LogStarted(ILogger logger, Guid uploadId, string userId, long totalSize, int totalChunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} by {UserId} received whole: {TotalSize} bytes, SHA-256 {Sha256}")]
    private static partial void LogReceivedWhole(ILogger logger, Guid uploadId, string userId, long totalSize, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} by {UserId} received whole and rejected: {Reason}")]
    private static partial void LogWholeRejected(ILogger logger, Guid uploadId, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} cancelled by its owner")]
    private static partial void LogCancelled(ILogger logger, Guid uploadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} chunk {ChunkNumber} refused after reading its body: {Reason}")]
    private static partial void LogChunkRefused(ILogger logger, Guid uploadId, int chunkNumber, string reason);
}
