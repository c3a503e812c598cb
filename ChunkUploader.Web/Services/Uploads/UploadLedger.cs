using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The upload records in the database. Every decision that several requests (or several instances) could race on
/// is one conditional statement here, so that the database, not a process lock, picks the winner.
/// </summary>
public sealed class UploadLedger(AppDbContext db, TimeProvider clock)
{
    private static readonly UploadStatus[] Live = [UploadStatus.Receiving, UploadStatus.Assembling];

    public Task<Upload?> FindLiveAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking()
            .SingleOrDefaultAsync(u => u.UserId == userId && u.Identifier == identifier && Live.Contains(u.Status), cancellationToken);

    public Task<Upload?> FindAsync(Guid uploadId, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId, cancellationToken);

    /// <summary>Refuses a request whose identifier names a live upload of another size or chunking.</summary>
    public static Rejection? SameShape(Upload upload, ChunkRequest request) =>
        upload.TotalSize == request.Layout.TotalSize
        && upload.ChunkSize == request.Layout.ChunkSize
        && upload.ForceChunkSize == request.Layout.ForceChunkSize
            ? null
            : Rejection.BadRequest(
                $"resumableIdentifier '{request.Identifier}' already names an upload of {upload.TotalSize} bytes in chunks of {upload.ChunkSize} bytes; " +
                "an upload cannot change its size or chunking midway.");

    /// <summary>Records a new live upload with the given id, or returns the one a simultaneous first chunk created.</summary>
    public async Task<Upload> CreateAsync(Guid uploadId, string userId, ChunkRequest request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var upload = new Upload
        {
            Id = uploadId,
            UserId = userId,
            Identifier = request.Identifier,
            FileName = request.FileName,
            RelativePath = request.RelativePath,
            ContentType = request.ContentType,
            TotalSize = request.Layout.TotalSize,
            ChunkSize = request.Layout.ChunkSize,
            ForceChunkSize = request.Layout.ForceChunkSize,
            TotalChunks = request.Layout.ChunkCount,
            Status = UploadStatus.Receiving,
            StartedAt = now,
            UpdatedAt = now,
        };
        db.Uploads.Add(upload);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return upload;
        }
        catch (DbUpdateException)
        {
            // A simultaneous first chunk created it: the unique index on live uploads let exactly one insert through.
            db.ChangeTracker.Clear();
            return await FindLiveAsync(userId, request.Identifier, cancellationToken)
                   ?? throw new InvalidOperationException($"Upload '{request.Identifier}' could neither be created nor found.");
        }
    }

    public Task<bool> HasChunkAsync(Guid uploadId, int chunkNumber, CancellationToken cancellationToken) =>
        db.UploadChunks.AnyAsync(c => c.UploadId == uploadId && c.Number == chunkNumber, cancellationToken);

    /// <summary>Records a chunk whose bytes are on disk and returns how many distinct chunks the upload now has,
    /// or null when the upload stopped receiving meanwhile (assembled, cancelled).</summary>
    public async Task<int?> RecordChunkAsync(Guid uploadId, int chunkNumber, long size, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.UploadChunks.Add(new UploadChunk { UploadId = uploadId, Number = chunkNumber, Size = size, ReceivedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                var counted = await db.Uploads.Where(u => u.Id == uploadId && u.Status == UploadStatus.Receiving).ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.ChunksReceived, u => u.ChunksReceived + 1)
                    .SetProperty(u => u.BytesReceived, u => u.BytesReceived + size)
                    .SetProperty(u => u.UpdatedAt, now), cancellationToken);
                if (counted == 0)
                {
                    // A late duplicate of a chunk whose upload is already assembled or cancelled: count nothing.
                    await transaction.RollbackAsync(cancellationToken);
                    return null;
                }
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The same chunk, resent at the same moment, was recorded by the other request.
                await transaction.RollbackAsync(cancellationToken);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        return await db.Uploads.Where(u => u.Id == uploadId).Select(u => u.ChunksReceived).SingleAsync(cancellationToken);
    }

    /// <summary>Moves a fully received upload to Assembling. Exactly one caller ever gets true for an upload.</summary>
    public async Task<bool> TryClaimAssemblyAsync(Guid uploadId, CancellationToken cancellationToken) =>
        await db.Uploads
            .Where(u => u.Id == uploadId && u.Status == UploadStatus.Receiving && u.ChunksReceived == u.TotalChunks)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Assembling)
                .SetProperty(u => u.UpdatedAt, clock.GetUtcNow().UtcDateTime), cancellationToken) == 1;

    public async Task MarkCompleteAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var upload = await db.Uploads.AsNoTracking().Where(u => u.Id == uploadId)
            .Select(u => new { u.StartedAt, u.TotalSize }).SingleAsync(cancellationToken);
        var seconds = Math.Max((now - upload.StartedAt).TotalSeconds, 0.001);
        await db.Uploads.Where(u => u.Id == uploadId && u.Status == UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Complete)
                .SetProperty(u => u.CompletedAt, now)
                .SetProperty(u => u.DurationSeconds, seconds)
                .SetProperty(u => u.BytesPerSecond, upload.TotalSize / seconds)
                .SetProperty(u => u.UpdatedAt, now), cancellationToken);
        // The per-chunk rows only served the receiving phase.
        await db.UploadChunks.Where(c => c.UploadId == uploadId).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task MarkFailedAsync(Guid uploadId, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Uploads.Where(u => u.Id == uploadId)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Failed)
                .SetProperty(u => u.FailureReason, reason.Length > 500 ? reason[..500] : reason)
                .SetProperty(u => u.UpdatedAt, now), cancellationToken);
    }

    /// <summary>Cancels the user's live upload with this identifier, unless it is already being assembled.</summary>
    public async Task<Upload?> CancelAsync(string userId, string identifier, CancellationToken cancellationToken)
    {
        var upload = await FindLiveAsync(userId, identifier, cancellationToken);
        if (upload is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var cancelled = await db.Uploads.Where(u => u.Id == upload.Id && u.Status == UploadStatus.Receiving)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Cancelled)
                .SetProperty(u => u.UpdatedAt, now), cancellationToken);
        if (cancelled == 0) return null;
        await db.UploadChunks.Where(c => c.UploadId == upload.Id).ExecuteDeleteAsync(cancellationToken);
        return upload;
    }

    /// <summary>Marks an upload deleted (the record stays for the history) and says whose it was; null if there is nothing to delete.</summary>
    public async Task<string?> MarkDeletedAsync(Guid uploadId, string? ownerScope, string deletedBy, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var owner = await db.Uploads.AsNoTracking()
            .Where(u => u.Id == uploadId && (ownerScope == null || u.UserId == ownerScope) && u.Status != UploadStatus.Deleted && u.Status != UploadStatus.Assembling)
            .Select(u => u.UserId).SingleOrDefaultAsync(cancellationToken);
        if (owner is null) return null;
        var marked = await db.Uploads.Where(u => u.Id == uploadId && u.Status != UploadStatus.Deleted && u.Status != UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Deleted)
                .SetProperty(u => u.DeletedAt, now)
                .SetProperty(u => u.DeletedBy, deletedBy)
                .SetProperty(u => u.UpdatedAt, now), cancellationToken);
        if (marked == 0) return null;
        await db.UploadChunks.Where(c => c.UploadId == uploadId).ExecuteDeleteAsync(cancellationToken);
        return owner;
    }

    /// <summary>Expires live uploads idle since before <paramref name="cutoff"/> and returns them (owner and id) for their chunks to be deleted.</summary>
    public async Task<IReadOnlyList<(string UserId, Guid Id)>> ExpireIdleAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        var idle = await db.Uploads.AsNoTracking()
            .Where(u => u.Status == UploadStatus.Receiving && u.UpdatedAt < cutoff)
            .Select(u => new { u.UserId, u.Id }).ToListAsync(cancellationToken);
        var expired = new List<(string, Guid)>();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var upload in idle)
        {
            // Conditional, so that an upload a chunk just revived is left alone.
            var changed = await db.Uploads.Where(u => u.Id == upload.Id && u.Status == UploadStatus.Receiving && u.UpdatedAt < cutoff)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.Status, UploadStatus.Expired)
                    .SetProperty(u => u.FailureReason, "No chunk arrived for too long; the received chunks were deleted.")
                    .SetProperty(u => u.UpdatedAt, now), cancellationToken);
            if (changed == 0) continue;
            await db.UploadChunks.Where(c => c.UploadId == upload.Id).ExecuteDeleteAsync(cancellationToken);
            expired.Add((upload.UserId, upload.Id));
        }
        return expired;
    }

    /// <summary>Uploads claimed for assembly before <paramref name="cutoff"/> and never finished: the claimer died midway.</summary>
    public async Task<IReadOnlyList<(string UserId, Guid Id)>> StalledAssembliesAsync(DateTime cutoff, CancellationToken cancellationToken) =>
        (await db.Uploads.AsNoTracking().Where(u => u.Status == UploadStatus.Assembling && u.UpdatedAt < cutoff)
            .Select(u => new { u.UserId, u.Id }).ToListAsync(cancellationToken))
        .Select(u => (u.UserId, u.Id)).ToList();

    /// <summary>Which of these upload ids are still live (receiving or assembling).</summary>
    public async Task<HashSet<Guid>> LiveAmongAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        (await db.Uploads.AsNoTracking().Where(u => ids.Contains(u.Id) && Live.Contains(u.Status)).Select(u => u.Id).ToListAsync(cancellationToken)).ToHashSet();

    public Task SetSha256Async(Guid uploadId, string sha256, CancellationToken cancellationToken) =>
        db.Uploads.Where(u => u.Id == uploadId).ExecuteUpdateAsync(set => set.SetProperty(u => u.Sha256, sha256), cancellationToken);
}
