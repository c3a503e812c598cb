using System.Data.Common;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The upload records in the database. Every decision that several requests (or several instances) could race on
/// is one conditional statement here, so that the database, not a process lock, picks the winner.
/// </summary>
public sealed class UploadLedger(
    AppDbContext db,
    SqliteWriteQueue writes,
    TimeProvider clock,
    InstanceName instance,
    IOptions<UploadOptions> options,
    SqlitePreparedReads? preparedReads = null)
{
    private const string Receiving = nameof(UploadStatus.Receiving);

    private TimeSpan Lease => options.Value.ClaimLease;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<Upload?> FindLiveAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking()
            .SingleOrDefaultAsync(u => u.UserId == userId && u.Identifier == identifier && UploadStatuses.Live.Contains(u.Status), cancellationToken);

    /// <summary>The user's most recently changed upload with this identifier, whatever its state.</summary>
    public Task<Upload?> FindLatestAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking().Where(u => u.UserId == userId && u.Identifier == identifier)
            .OrderByDescending(u => u.UpdatedAt).FirstOrDefaultAsync(cancellationToken);

    public Task<Upload?> FindAsync(Guid uploadId, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId, cancellationToken);

    /// <summary>
    /// In one query: the user's live upload with this identifier (whatever its shape: the caller refuses a mismatch), or
    /// else their newest completed upload of this very file (same identifier, size and chunking).
    /// </summary>
    public Task<Upload?> FindExistingAsync(string userId, ChunkRequest request, CancellationToken cancellationToken) =>
        FindExistingQuery.For(db)(db, userId, request.Identifier, request.Layout.TotalSize, request.Layout.ChunkSize, request.Layout.ForceChunkSize, cancellationToken);

    // Run for every chunk of a file of several, so compiled. The probe's ProbeSql finds the same upload.
    private static readonly CompiledPerModel<Func<AppDbContext, string, string, long, long, bool, CancellationToken, Task<Upload?>>> FindExistingQuery = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, string userId, string identifier, long totalSize, long chunkSize, bool forceChunkSize, CancellationToken _) =>
            db.Uploads.AsNoTracking()
                .Where(u => u.UserId == userId && u.Identifier == identifier
                            && (UploadStatuses.Live.Contains(u.Status)
                                || (u.Status == UploadStatus.Complete && u.TotalSize == totalSize && u.ChunkSize == chunkSize && u.ForceChunkSize == forceChunkSize)))
                // The live upload (at most one) before any completed one, and the newest completed one first.
                .OrderBy(u => u.Status == UploadStatus.Complete)
                .ThenByDescending(u => u.CompletedAt)
                .FirstOrDefault()));

    /// <summary>The user's live upload with this identifier, or else their newest completed one.</summary>
    public async Task<Upload?> FindCurrentAsync(string userId, string identifier, CancellationToken cancellationToken) =>
        await FindLiveAsync(userId, identifier, cancellationToken)
        ?? await db.Uploads.AsNoTracking()
            .Where(u => u.UserId == userId && u.Identifier == identifier && u.Status == UploadStatus.Complete)
            .OrderByDescending(u => u.CompletedAt)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Refuses a request whose identifier names a live upload of another size or chunking.</summary>
    public static Rejection? SameShape(Upload upload, ChunkRequest request) =>
        SameShape(upload.TotalSize, upload.ChunkSize, upload.ForceChunkSize, request);

    /// <inheritdoc cref="SameShape(Upload, ChunkRequest)"/>
    public static Rejection? SameShape(ProbedUpload upload, ChunkRequest request) =>
        SameShape(upload.TotalSize, upload.ChunkSize, upload.ForceChunkSize, request);

    private static Rejection? SameShape(long totalSize, long chunkSize, bool forceChunkSize, ChunkRequest request) =>
        totalSize == request.Layout.TotalSize
        && chunkSize == request.Layout.ChunkSize
        && forceChunkSize == request.Layout.ForceChunkSize
            ? null
            : Rejection.BadRequest(
                $"resumableIdentifier '{request.Identifier}' already names an upload of {totalSize} bytes in chunks of {chunkSize} bytes; " +
                "an upload cannot change its size or chunking midway.");

    /// <summary>
    /// Records a new live upload with the given id, unless the user already has this file (live or completed: that one is
    /// returned) or <paramref name="admit"/> refuses it given what the user holds. The user's creations are serialised,
    /// so that two simultaneous first chunks cannot both pass a quota that has room for one.
    /// </summary>
    public Task<Outcome<Upload>> CreateAsync(Guid uploadId, string userId, ChunkRequest request, Func<UserUsage, Rejection?> admit, CancellationToken cancellationToken)
        => InsertAsync(NewUpload(uploadId, userId, request, UploadStatus.Receiving, Now), request, admit, cancellationToken);

    /// <summary>
    /// Records a file that arrived whole in one request and is already stored: Complete with its SHA-256, or Rejected when
    /// its content is not allowed. Same rules as <see cref="CreateAsync"/>: an existing upload of the file is returned instead.
    /// </summary>
    public Task<Outcome<Upload>> CreateWholeAsync(Guid uploadId, string userId, ChunkRequest request, DateTime startedAt, string sha256, string? contentRefusal,
        Func<UserUsage, Rejection?> admit, CancellationToken cancellationToken)
    {
        var now = Now;
        var upload = NewUpload(uploadId, userId, request, contentRefusal is null ? UploadStatus.Complete : UploadStatus.Rejected, startedAt);
        upload.ChunksReceived = 1;
        upload.BytesReceived = request.Layout.TotalSize;
        upload.UpdatedAt = now;
        if (contentRefusal is not null)
        {
            upload.FailureReason = contentRefusal.Length > 500 ? contentRefusal[..500] : contentRefusal;
            return InsertAsync(upload, request, admit, cancellationToken);
        }
        var seconds = Math.Max((now - startedAt).TotalSeconds, 0.001);
        upload.CompletedAt = now;
        upload.DurationSeconds = seconds;
        upload.BytesPerSecond = upload.TotalSize / seconds;
        upload.Sha256 = sha256;
        return InsertAsync(upload, request, admit, cancellationToken);
    }

    private static Upload NewUpload(Guid uploadId, string userId, ChunkRequest request, UploadStatus status, DateTime startedAt) => new()
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
        Status = status,
        StartedAt = startedAt,
        UpdatedAt = startedAt,
    };

    private Task<Outcome<Upload>> InsertAsync(Upload upload, ChunkRequest request, Func<UserUsage, Rejection?> admit, CancellationToken cancellationToken) =>
        writes.RunAsync(db, () => TryInsertAsync(upload, request, admit, cancellationToken), cancellationToken);

    private async Task<Outcome<Upload>> TryInsertAsync(Upload upload, ChunkRequest request, Func<UserUsage, Rejection?> admit, CancellationToken cancellationToken)
    {
        var userId = upload.UserId;
        // On SQLite the transaction begins IMMEDIATE, holding the database's only write lock until commit. On PostgreSQL a
        // no-op update of the owner's row takes its row lock until commit.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!db.Database.IsSqlite())
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(set => set.SetProperty(u => u.ConcurrencyStamp, u => u.ConcurrencyStamp), cancellationToken);

        // On SQLite the prepared lookup reads through another connection, which sees just what this transaction sees,
        // since nobody else can commit while it holds the write lock.
        if (!IsSurelyNew(userId, request) && await FindExistingAsync(userId, request, cancellationToken) is { } existing) return existing;
        if (admit(await UsageAsync(userId, cancellationToken)) is { } refused)
            return refused;

        db.Uploads.Add(upload);
        // A failed insert rolls the whole transaction back, so the savepoint EF would set around it (two more statements,
        // round trips on PostgreSQL) could never be used. The context pool restores the setting for the next user.
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return upload;
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // The owner lock makes this unreachable; the unique index on live uploads stays the last word all the same.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return await FindLiveAsync(userId, request.Identifier, cancellationToken)
                   ?? throw new InvalidOperationException($"Upload '{request.Identifier}' could neither be created nor found.");
        }
        catch (DbUpdateException exception) when (exception.InnerException is DbException inner && inner.IsForeignKeyViolation())
        {
            // The owner's account was deleted while this request was on its way.
            await transaction.RollbackAsync(CancellationToken.None);
            return new Rejection(StatusCodes.Status401Unauthorized, "This account no longer exists; nothing was stored.");
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>What the user holds against their quota, and their quota, in one query.</summary>
    public async Task<UserUsage> UsageAsync(string userId, CancellationToken cancellationToken)
    {
        var usage = await UsageQuery.For(db)(db, userId, cancellationToken);
        return new UserUsage(usage?.Bytes ?? 0, usage?.InProgress ?? 0, usage?.Quota ?? options.Value.UserQuotaBytes);
    }

    private sealed record UsageRow(long? Bytes, int? InProgress, long? Quota);

    // Run for every new upload (every small file), so compiled. The totals are kept by the database (UserUploadTotals):
    // summing the user's uploads here made each new file cost more than the one before (7 ms at 5,000 files).
    private static readonly CompiledPerModel<Func<AppDbContext, string, CancellationToken, Task<UsageRow?>>> UsageQuery = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, string userId, CancellationToken _) =>
            (from user in db.Users.AsNoTracking()
             where user.Id == userId
             join totals in db.UserUploadTotals on user.Id equals totals.UserId into userTotals
             from totals in userTotals.DefaultIfEmpty()
             join quota in db.UserQuotas on user.Id equals quota.UserId into userQuota
             from quota in userQuota.DefaultIfEmpty()
             select new UsageRow((long?)totals!.BytesHeld, (int?)totals!.UploadsLive, (long?)quota!.QuotaBytes))
            .SingleOrDefault()));

    /// <summary>Removes an upload that a refused first request created, unless anything else has touched it since.</summary>
    public async Task<bool> DiscardIfUnusedAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // On PostgreSQL a delete's "no chunk claimed" reads the snapshot its statement began with, so a claim committed
        // while it waited for the row would be deleted with the upload. Locking the row first waits out a claim under
        // way (its reference holds a key-share lock), and the delete's own snapshot then sees it.
        if (!db.Database.IsSqlite())
            await db.Database.ExecuteSqlInterpolatedAsync($"""SELECT 1 FROM "Uploads" WHERE "Id" = {uploadId} FOR UPDATE""", cancellationToken);
        var deleted = await db.Uploads
            .Where(u => u.Id == uploadId && u.Status == UploadStatus.Receiving && u.ChunksReceived == 0 && !db.UploadChunks.Any(c => c.UploadId == uploadId))
            .ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    /// <summary>Claims a chunk for this request: a fresh claim, or the takeover of one whose writer let its lease run out.</summary>
    public Task<ChunkClaim> ClaimChunkAsync(Guid uploadId, int number, long size, CancellationToken cancellationToken) =>
        WithoutWaitingForDiskAsync(() => TryClaimChunkAsync(uploadId, number, size, cancellationToken), cancellationToken);

    private async Task<ChunkClaim> TryClaimChunkAsync(Guid uploadId, int number, long size, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var token = Guid.NewGuid();
            var until = Now + Lease;
            // Inserted only while the upload is receiving; an existing claim or record of the chunk wins.
            int inserted;
            try
            {
                inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                    INSERT INTO "UploadChunks" ("UploadId", "Number", "Size", "ClaimToken", "LeaseUntil", "RecordedAt")
                    SELECT {uploadId}, {number}, {size}, {token}, {until}, NULL
                    WHERE EXISTS (SELECT 1 FROM "Uploads" WHERE "Id" = {uploadId} AND "Status" = {Receiving})
                    ON CONFLICT DO NOTHING
                    """, cancellationToken);
            }
            catch (DbException gone) when (gone.IsForeignKeyViolation())
            {
                // PostgreSQL: the upload was discarded between this statement's look and its insert.
                return new ChunkClaim(ChunkClaimStatus.NotReceiving, Guid.Empty, default);
            }
            if (inserted == 1) return new ChunkClaim(ChunkClaimStatus.Claimed, token, until);

            var held = await db.UploadChunks.AsNoTracking().SingleOrDefaultAsync(c => c.UploadId == uploadId && c.Number == number, cancellationToken);
            if (held is null)
            {
                // The claim this insert lost to may have been released since (its request refused): then try again.
                if (await db.Uploads.AnyAsync(u => u.Id == uploadId && u.Status == UploadStatus.Receiving, cancellationToken)) continue;
                return new ChunkClaim(ChunkClaimStatus.NotReceiving, Guid.Empty, default);
            }
            if (held.RecordedAt is not null) return new ChunkClaim(ChunkClaimStatus.AlreadyRecorded, Guid.Empty, default);
            if (held.LeaseUntil > Now) return new ChunkClaim(ChunkClaimStatus.Busy, Guid.Empty, held.LeaseUntil);

            // The writer died or stalled past its lease: take the chunk over; its old token no longer records anything.
            var taken = await db.UploadChunks
                .Where(c => c.UploadId == uploadId && c.Number == number && c.ClaimToken == held.ClaimToken && c.RecordedAt == null
                            && db.Uploads.Any(u => u.Id == uploadId && u.Status == UploadStatus.Receiving))
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.ClaimToken, token).SetProperty(c => c.LeaseUntil, until), cancellationToken);
            if (taken == 1) return new ChunkClaim(ChunkClaimStatus.Claimed, token, until);
        }
        return new ChunkClaim(ChunkClaimStatus.Busy, Guid.Empty, Now + TimeSpan.FromSeconds(1));
    }

    /// <summary>Extends this request's claim; false when it was taken over (or the upload stopped receiving).</summary>
    public async Task<DateTime?> RenewChunkAsync(Guid uploadId, int number, Guid token, CancellationToken cancellationToken)
    {
        var until = Now + Lease;
        var renewed = await db.UploadChunks.Where(c => c.UploadId == uploadId && c.Number == number && c.ClaimToken == token && c.RecordedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.LeaseUntil, until), cancellationToken);
        return renewed == 1 ? until : null;
    }

    /// <summary>Gives up a claim whose chunk was not recorded, so that a resend can claim it at once.</summary>
    public Task ReleaseChunkAsync(Guid uploadId, int number, Guid token, CancellationToken cancellationToken) =>
        db.UploadChunks.Where(c => c.UploadId == uploadId && c.Number == number && c.ClaimToken == token && c.RecordedAt == null)
            .ExecuteDeleteAsync(cancellationToken);

    /// <summary>
    /// For the testChunks probe, in one round trip (it precedes every chunk): the shape of the upload
    /// <see cref="FindExistingAsync"/> finds, and whether it holds chunk <see cref="ChunkRequest.ChunkNumber"/> (recorded;
    /// all of them once assembling or complete).
    /// </summary>
    public async Task<ProbedUpload?> ProbeAsync(string userId, ChunkRequest request, CancellationToken cancellationToken)
    {
        if (preparedReads is { } prepared) return prepared.Read(ProbeSql, ProbeValues(userId, request), reader => reader.Read() ? Probed(reader) : null);
        return await db.Database.ReadFirstAsync(ProbeSql, ProbeValues(userId, request), Probed, cancellationToken);
    }

    /// <summary>
    /// True when the cheap prepared lookup (SQLite) finds no upload of this file, so that there is none to load; false when
    /// there is one, or when only <see cref="FindExistingAsync"/> can tell (PostgreSQL, where it is the same single query).
    /// </summary>
    public bool IsSurelyNew(string userId, ChunkRequest request) =>
        preparedReads is { } prepared && !prepared.Read(ProbeSql, ProbeValues(userId, request), reader => reader.Read());

    /// <summary>
    /// False only when the cheap prepared lookup (SQLite) finds an upload of this file. Without one (PostgreSQL), true
    /// without asking: a lookup there costs a round trip to the server, and the caller's record looks again anyway.
    /// </summary>
    public bool MayBeNew(string userId, ChunkRequest request) => preparedReads is null || IsSurelyNew(userId, request);

    private static object?[] ProbeValues(string userId, ChunkRequest request) =>
        [userId, request.Identifier, request.Layout.TotalSize, request.Layout.ChunkSize, request.Layout.ForceChunkSize, request.ChunkNumber];

    // FindExisting's query, for the probe (on SQLite prepared once, see SqlitePreparedReads; elsewhere ContextReads): the
    // same row, only what the probe needs. Written for both: a live upload sorts first, so where NULLs go does not matter.
    private static readonly string ProbeSql = $"""
        SELECT u."TotalSize", u."ChunkSize", u."ForceChunkSize",
               u."Status" IN ('{UploadStatus.Assembling}', '{UploadStatus.Complete}')
               OR EXISTS (SELECT 1 FROM "UploadChunks" AS c WHERE c."UploadId" = u."Id" AND c."Number" = @p5 AND c."RecordedAt" IS NOT NULL)
        FROM "Uploads" AS u
        WHERE u."UserId" = @p0 AND u."Identifier" = @p1
          AND (u."Status" IN ({string.Join(", ", UploadStatuses.Live.Select(status => $"'{status}'"))})
               OR (u."Status" = '{UploadStatus.Complete}' AND u."TotalSize" = @p2 AND u."ChunkSize" = @p3 AND u."ForceChunkSize" = @p4))
        ORDER BY u."Status" = '{UploadStatus.Complete}', u."CompletedAt" DESC
        LIMIT 1
        """;

    private static ProbedUpload Probed(System.Data.Common.DbDataReader row) =>
        new(row.GetInt64(0), row.GetInt64(1), row.GetBoolean(2), row.GetBoolean(3));

    /// <summary>Records a chunk whose bytes are durably on disk, if this request still holds its claim and the upload is
    /// still receiving; returns how many chunks the upload now has, or null when either no longer holds.</summary>
    /// <remarks>Not cancellable: a client that leaves now has sent the whole chunk, and an unrecorded claim would make its
    /// resend wait for the lease to run out.</remarks>
    public Task<int?> RecordChunkAsync(Guid uploadId, int number, Guid token, long size) =>
        WithoutWaitingForDiskAsync(() => TryRecordChunkAsync(uploadId, number, token, size), CancellationToken.None);

    private async Task<int?> TryRecordChunkAsync(Guid uploadId, int number, Guid token, long size)
    {
        var now = Now;
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var recorded = await db.UploadChunks.Where(c => c.UploadId == uploadId && c.Number == number && c.ClaimToken == token && c.RecordedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.RecordedAt, now), CancellationToken.None);
        // The count comes back from the update itself: one statement (a round trip on PostgreSQL) fewer than reading it after.
        var counted = recorded == 1
            ? await db.Database.SqlQuery<int>($"""
                UPDATE "Uploads" SET "ChunksReceived" = "ChunksReceived" + 1, "BytesReceived" = "BytesReceived" + {size}, "UpdatedAt" = {now}
                WHERE "Id" = {uploadId} AND "Status" = {Receiving}
                RETURNING "ChunksReceived" AS "Value"
                """).ToListAsync(CancellationToken.None)
            : [];
        if (counted is not [var received])
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return null;
        }
        await transaction.CommitAsync(CancellationToken.None);
        return received;
    }

    /// <summary>Moves a fully received upload to Assembling under this instance's lease. Exactly one caller ever gets true.</summary>
    public async Task<bool> TryClaimAssemblyAsync(Guid uploadId, CancellationToken cancellationToken) =>
        await db.Uploads
            .Where(u => u.Id == uploadId && u.Status == UploadStatus.Receiving && u.ChunksReceived == u.TotalChunks)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Assembling)
                .SetProperty(u => u.LeaseUntil, Now + Lease)
                .SetProperty(u => u.LeaseOwner, instance.Value)
                .SetProperty(u => u.UpdatedAt, Now), cancellationToken) == 1;

    /// <summary>Fully received uploads nobody claimed for assembly (the request that recorded the last chunk died before it could):
    /// claims up to a batch of those idle for longer than a lease.</summary>
    public async Task<IReadOnlyList<Upload>> ClaimUnassembledAsync(CancellationToken cancellationToken)
    {
        var idleSince = Now - Lease;
        var candidates = await db.Uploads.AsNoTracking()
            .Where(u => u.Status == UploadStatus.Receiving && u.ChunksReceived == u.TotalChunks && u.UpdatedAt < idleSince)
            .OrderBy(u => u.UpdatedAt).Take(20).ToListAsync(cancellationToken);
        var claimed = new List<Upload>();
        foreach (var upload in candidates)
            if (await TryClaimAssemblyAsync(upload.Id, cancellationToken)) claimed.Add(upload);
        return claimed;
    }

    /// <summary>Takes over assemblies whose claimer let its lease run out (it died midway); returns the ones this instance now holds.</summary>
    public Task<IReadOnlyList<Upload>> ClaimStalledAssembliesAsync(CancellationToken cancellationToken) =>
        ClaimExpiredAsync(db.Uploads.Where(u => u.Status == UploadStatus.Assembling), take: 20, cancellationToken);

    /// <summary>Claims complete uploads that still lack their SHA-256 and that nobody (alive) is hashing.</summary>
    public Task<IReadOnlyList<Upload>> ClaimUnhashedAsync(int take, CancellationToken cancellationToken) =>
        ClaimExpiredAsync(db.Uploads.Where(u => u.Status == UploadStatus.Complete && u.Sha256 == null), take, cancellationToken);

    private async Task<IReadOnlyList<Upload>> ClaimExpiredAsync(IQueryable<Upload> work, int take, CancellationToken cancellationToken)
    {
        var now = Now;
        var candidates = await work.AsNoTracking().Where(u => u.LeaseUntil == null || u.LeaseUntil < now).OrderBy(u => u.UpdatedAt).Take(take).ToListAsync(cancellationToken);
        var claimed = new List<Upload>();
        foreach (var upload in candidates)
        {
            // Conditional on the lease seen, so that of several instances exactly one takes each item.
            var taken = await db.Uploads.Where(u => u.Id == upload.Id && u.Status == upload.Status && u.LeaseUntil == upload.LeaseUntil)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.LeaseUntil, now + Lease).SetProperty(u => u.LeaseOwner, instance.Value), cancellationToken);
            if (taken == 1) claimed.Add(upload);
        }
        return claimed;
    }

    /// <summary>Extends this instance's lease on an upload's background work; false when another instance took it over.</summary>
    public async Task<bool> RenewWorkAsync(Guid uploadId, CancellationToken cancellationToken) =>
        await db.Uploads.Where(u => u.Id == uploadId && u.LeaseOwner == instance.Value)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LeaseUntil, Now + Lease), cancellationToken) == 1;

    /// <summary>Marks the assembled upload complete; false when its record is gone (its owner's account was deleted meanwhile).</summary>
    public async Task<bool> MarkCompleteAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        var now = Now;
        var upload = await db.Uploads.AsNoTracking().Where(u => u.Id == uploadId)
            .Select(u => new { u.StartedAt, u.TotalSize }).SingleOrDefaultAsync(cancellationToken);
        if (upload is null) return false;
        var seconds = Math.Max((now - upload.StartedAt).TotalSeconds, 0.001);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Uploads.Where(u => u.Id == uploadId && u.Status == UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Complete)
                .SetProperty(u => u.CompletedAt, now)
                .SetProperty(u => u.DurationSeconds, seconds)
                .SetProperty(u => u.BytesPerSecond, upload.TotalSize / seconds)
                .SetProperty(u => u.LeaseUntil, (DateTime?)null)
                .SetProperty(u => u.LeaseOwner, (string?)null)
                .SetProperty(u => u.UpdatedAt, now), cancellationToken);
        // The per-chunk rows only served the receiving phase.
        await db.UploadChunks.Where(c => c.UploadId == uploadId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Ends an upload that is being assembled without a file: Failed (bytes missing) or Rejected (content not allowed).</summary>
    public async Task MarkUnfinishedAsync(Guid uploadId, UploadStatus status, string reason, CancellationToken cancellationToken)
    {
        await db.Uploads.Where(u => u.Id == uploadId && u.Status == UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, status)
                .SetProperty(u => u.FailureReason, reason.Length > 500 ? reason[..500] : reason)
                .SetProperty(u => u.LeaseUntil, (DateTime?)null)
                .SetProperty(u => u.UpdatedAt, Now), cancellationToken);
        await db.UploadChunks.Where(c => c.UploadId == uploadId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Whether the user cancelled an upload with this identifier at or after <paramref name="since"/>.</summary>
    public Task<bool> CancelledSinceAsync(string userId, string identifier, DateTime since, CancellationToken cancellationToken) =>
        db.Uploads.AsNoTracking().AnyAsync(u => u.UserId == userId && u.Identifier == identifier && u.Status == UploadStatus.Cancelled && u.UpdatedAt >= since, cancellationToken);

    /// <summary>Cancels the user's live upload with this identifier, unless it is already being assembled.</summary>
    public async Task<Upload?> CancelAsync(string userId, string identifier, CancellationToken cancellationToken)
    {
        var upload = await FindLiveAsync(userId, identifier, cancellationToken);
        if (upload is null) return null;
        var cancelled = await db.Uploads.Where(u => u.Id == upload.Id && u.Status == UploadStatus.Receiving)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.Status, UploadStatus.Cancelled)
                .SetProperty(u => u.UpdatedAt, Now), cancellationToken);
        if (cancelled == 0) return null;
        await db.UploadChunks.Where(c => c.UploadId == upload.Id).ExecuteDeleteAsync(cancellationToken);
        return upload;
    }

    /// <summary>Marks an upload deleted (the record stays for the history) and says whose it was; null if there is nothing to delete.</summary>
    public async Task<string?> MarkDeletedAsync(Guid uploadId, string? ownerScope, string deletedBy, CancellationToken cancellationToken)
    {
        var now = Now;
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
        var now = Now;
        // A chunk being written under a live claim is activity too: a slow chunk of a long-paused upload must not lose
        // its upload under it.
        var idle = db.Uploads.Where(u => u.Status == UploadStatus.Receiving && u.UpdatedAt < cutoff
                                         && !db.UploadChunks.Any(c => c.UploadId == u.Id && c.RecordedAt == null && c.LeaseUntil > now));
        var candidates = await idle.AsNoTracking().Select(u => new { u.UserId, u.Id }).ToListAsync(cancellationToken);
        var expired = new List<(string, Guid)>();
        foreach (var upload in candidates)
        {
            // Conditional, so that an upload a chunk just revived is left alone.
            var changed = await idle.Where(u => u.Id == upload.Id)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.Status, UploadStatus.Expired)
                    .SetProperty(u => u.FailureReason, "No chunk arrived for too long; the received chunks were deleted.")
                    .SetProperty(u => u.UpdatedAt, Now), cancellationToken);
            if (changed == 0) continue;
            await db.UploadChunks.Where(c => c.UploadId == upload.Id).ExecuteDeleteAsync(cancellationToken);
            expired.Add((upload.UserId, upload.Id));
        }
        return expired;
    }

    /// <summary>The status of each of these uploads that has a record.</summary>
    public async Task<Dictionary<Guid, UploadStatus>> StatusesAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        await db.Uploads.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Status, cancellationToken);

    /// <summary>
    /// Runs chunk bookkeeping on SQLite without waiting for the disk at commit (<c>synchronous = NORMAL</c> on the one
    /// connection, for this call only). A power cut may forget such a claim or record, never corrupt the database, and
    /// a forgotten chunk is only asked for again: its bytes were flushed before it was recorded. Everything that must
    /// survive (an assembly claim, a completion, a deletion, accounts) commits with a full sync, which makes the WAL
    /// before it durable too. Crashes of the process lose nothing either way.
    /// </summary>
    private async Task<T> WithoutWaitingForDiskAsync<T>(Func<Task<T>> bookkeeping, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite()) return await bookkeeping();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = NORMAL;", cancellationToken);
            return await writes.RunAsync(db, bookkeeping, cancellationToken);
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = FULL;", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Records the SHA-256, if this instance still holds the hashing lease.</summary>
    /// <summary>Sets aside a complete upload this instance holds for hashing until <paramref name="until"/>; false when it
    /// was deleted or taken over meanwhile.</summary>
    public async Task<bool> PostponeWorkAsync(Guid uploadId, DateTime until, CancellationToken cancellationToken) =>
        await db.Uploads.Where(u => u.Id == uploadId && u.Status == UploadStatus.Complete && u.Sha256 == null && u.LeaseOwner == instance.Value)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LeaseUntil, until), cancellationToken) == 1;

    /// <summary>Records the hash this instance computed, if it still holds the work and nobody recorded one meanwhile.</summary>
    public async Task<bool> SetSha256Async(Guid uploadId, string sha256, CancellationToken cancellationToken) =>
        await db.Uploads.Where(u => u.Id == uploadId && u.Sha256 == null && u.LeaseOwner == instance.Value)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.Sha256, sha256).SetProperty(u => u.LeaseUntil, (DateTime?)null).SetProperty(u => u.LeaseOwner, (string?)null), cancellationToken) == 1;
}

/// <summary>What the testChunks probe learns of the user's upload of a file: its shape, and whether it holds the chunk asked about.</summary>
public sealed record ProbedUpload(long TotalSize, long ChunkSize, bool ForceChunkSize, bool HoldsChunk);

/// <summary>What a user holds: bytes of complete and in-progress uploads (declared size), uploads in progress, and their quota.</summary>
public sealed record UserUsage(long BytesHeld, int UploadsInProgress, long QuotaBytes)
{
    public long BytesLeft => Math.Max(QuotaBytes - BytesHeld, 0);
}
