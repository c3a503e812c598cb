using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Audit;
using ChunkUploader.Web.Services.Operations;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Commands;

/// <summary>
/// <c>restore &lt;folder&gt;</c>: a backup into an empty installation (no users or uploads in the database, no files in
/// storage), so that a restore can never overwrite live data. Everything is checked before anything is written: every
/// file of the manifest (the database too) against its SHA-256, the database with SQLite's integrity check, and that the
/// storage root and the database's folder take new files. The restore is then written beside the installation
/// (<see cref="RestoreStaging"/>) and put in place by renames at the end, so that a failure midway leaves the installation
/// empty as it was, for a second attempt. Uploads that were still receiving when the backup was taken come back as
/// Expired, since their chunks are not in it.
/// </summary>
public sealed class RestoreCommand(string folder) : OperationsCommand
{
    public const string NotInBackupReason = "Still receiving when the backup was taken; its chunks are not in the backup.";

    protected override async Task<int> ExecuteAsync(CommandContext context)
    {
        var backup = new BackupFolder(folder);
        var cancellationToken = context.CancellationToken;
        if (!File.Exists(backup.DatabaseFile) || !File.Exists(backup.ManifestFile))
            return context.Fail($"{backup.Path} is not a backup: it needs {BackupFolder.DatabaseFileName} and {BackupFolder.ManifestFileName}.");
        var db = context.Get<AppDbContext>();
        if (!db.Database.IsSqlite())
            return context.Fail("restore writes a SQLite database only; for PostgreSQL use pg_restore (see the README).");
        var databaseFile = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        var storageRoot = context.Get<StoragePaths>().Root;
        // Held alone until the restore is in place: a server started meanwhile refuses to start instead of racing it.
        var alone = StorageRootMarker.TryHoldAlone(storageRoot, out var hold);
        using var held = hold;
        if (!alone)
            return context.Fail($"A server is running on this installation (it holds {Path.Combine(storageRoot, StorageRootMarker.FileName)}); stop every instance before restoring.");
        if (RestoreStaging.Interrupted(storageRoot) is { } interrupted)
            return FinishInterrupted(context, interrupted.Backup, backup.Path);
        var files = context.Get<StoredFiles>();
        if (await HoldsDataAsync(databaseFile, cancellationToken) || !files.IsEmpty())
            return context.Fail($"This installation is not empty (database {databaseFile} or its storage holds data). Restore only into an empty installation.");

        Dictionary<string, string> manifest;
        try { manifest = await backup.ReadManifestAsync(cancellationToken); }
        catch (InvalidDataException e) { return context.Fail(e.Message); }
        var listsDatabase = manifest.ContainsKey(BackupFolder.DatabaseFileName);
        var damaged = new List<string>();
        foreach (var (entry, sha256) in manifest)
        {
            var path = backup.FullPath(entry);
            if (!File.Exists(path)) { damaged.Add($"MISSING  {entry}"); continue; }
            await using var stream = File.OpenRead(path);
            if (await BackupFolder.HashAsync(stream, null, cancellationToken) != sha256) damaged.Add($"ALTERED  {entry}");
        }
        if (damaged.Count > 0)
        {
            foreach (var line in damaged) context.Error.WriteLine(line);
            return context.Fail($"The backup does not match its manifest ({damaged.Count} files); nothing was restored.");
        }
        if (!listsDatabase)
        {
            // A backup of an earlier version: its database is hashed now, so that the copy restored is the one checked.
            manifest[BackupFolder.DatabaseFileName] = await backup.HashDatabaseAsync(cancellationToken);
        }
        if (await backup.DatabaseProblemAsync(cancellationToken) is { } damage) return context.Fail(damage);

        var staging = new RestoreStaging(context.Get<StoragePaths>(), databaseFile);
        if (staging.Prepare() is { } unwritable) return context.Fail(unwritable);
        (int Restored, int Interrupted) result;
        try
        {
            result = await StageAsync(context, backup, manifest, staging);
            staging.Commit(backup.Path);
        }
        catch (RestoreIncompleteException incomplete)
        {
            return context.Fail($"The restore failed while putting the backup in place, and could not be undone: {incomplete.Message} " +
                                "Run the same restore again to finish it; until then the server does not start.");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidDataException or SqliteException
                                            or DbUpdateException { InnerException: SqliteException })
        {
            staging.Discard();
            var reason = (failure is DbUpdateException ? failure.InnerException! : failure).Message;
            return context.Fail($"The restore failed, and nothing was restored (what it had written is removed): {reason}");
        }
        catch
        {
            staging.Discard(); // Ctrl+C, or a fault of the app: the installation stays as it was all the same
            throw;
        }

        context.Out.WriteLine($"Restored the database and {result.Restored} files from {backup.Path}; {result.Interrupted} uploads that were in progress are marked Expired.");
        if (!listsDatabase)
            context.Out.WriteLine($"The manifest does not list {BackupFolder.DatabaseFileName} (a backup of an earlier version): the database was checked by SQLite's integrity check only.");
        if (staging.Finish() is { } leftover) context.Error.WriteLine(leftover);
        return Succeeded;
    }

    /// <summary>A restore killed while putting its backup in place is finished before anything else (the installation holds part of it).</summary>
    private static int FinishInterrupted(CommandContext context, string interrupted, string asked)
    {
        string? leftover;
        try
        {
            leftover = RestoreStaging.Resume(context.Get<StoragePaths>());
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return context.Fail($"The restore of {interrupted} was interrupted while putting it in place, and finishing it failed: {failure.Message}");
        }
        context.Out.WriteLine($"Finished the restore of {interrupted}, which was interrupted while putting it in place.");
        if (leftover is not null) context.Error.WriteLine(leftover);
        return Path.TrimEndingDirectorySeparator(interrupted) == Path.TrimEndingDirectorySeparator(asked)
            ? Succeeded
            : context.Fail($"{asked} was not restored: this installation now holds the restore of {interrupted}.");
    }

    /// <summary>
    /// Writes the whole restore into the staging folders: the database, brought to the current schema as a server start
    /// would (a backup of an older version restores into a newer one), every finished file, uploads in progress expired,
    /// and the audit event, which so comes with the restore or not at all. The installation itself is not touched.
    /// </summary>
    private static async Task<(int Restored, int Interrupted)> StageAsync(CommandContext context, BackupFolder backup,
        Dictionary<string, string> manifest, RestoreStaging staging)
    {
        var cancellationToken = context.CancellationToken;
        // A copy of the file, not SQLite's backup API: its bytes can be held to the hash that was checked.
        await RestoreStaging.CopyAsync(backup.DatabaseFile, staging.DatabaseFile, manifest[BackupFolder.DatabaseFileName], cancellationToken);
        await using var db = BackupFolder.OpenDatabase(staging.DatabaseFile, readOnly: false);
        await db.Database.MigrateAsync(cancellationToken);

        var complete = await db.Uploads.AsNoTracking().Where(u => u.Status == UploadStatus.Complete)
            .Select(u => new { u.Id, u.UserId }).ToListAsync(cancellationToken);
        var restored = 0;
        foreach (var upload in complete)
        {
            var entry = BackupFolder.FileEntry(upload.UserId, upload.Id);
            if (!manifest.TryGetValue(entry, out var sha256))
            {
                context.Error.WriteLine($"MISSING  upload {upload.Id}: complete in the database but not in the backup; `verify` will list it.");
                continue;
            }
            await RestoreStaging.CopyAsync(backup.FullPath(entry), staging.FilePath(entry), sha256, cancellationToken);
            restored++;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var interrupted = await db.Uploads
            .Where(u => u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Expired).SetProperty(u => u.FailureReason, NotInBackupReason), cancellationToken);
        // Per-chunk rows (claims, records) serve only uploads in progress, and none is left: they go, as on any expiry.
        await db.UploadChunks.ExecuteDeleteAsync(cancellationToken);
        var summary = $"{restored} files restored, {interrupted} uploads in progress marked Expired";
        await new AuditLog(db, context.Get<TimeProvider>()).RecordAsync(AuditLog.CommandLineActor, "restore", backup.Path, summary, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (restored, interrupted);
    }

    /// <summary>
    /// Whether the database file has any user or upload; read-only, so checking never creates or changes the database
    /// (SQLite may add the -wal and -shm files any reader of a WAL database needs, empty).
    /// </summary>
    private static async Task<bool> HoldsDataAsync(string databaseFile, CancellationToken cancellationToken)
    {
        if (!File.Exists(databaseFile)) return false;
        await using var connection = new SqliteConnection(BackupFolder.ConnectionString(databaseFile, readOnly: true));
        await connection.OpenAsync(cancellationToken);
        foreach (var table in new[] { "AspNetUsers", "Uploads" })
        {
            await using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
            exists.Parameters.AddWithValue("$name", table);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken)) == 0) continue;
            await using var rows = connection.CreateCommand();
            rows.CommandText = $"SELECT EXISTS (SELECT 1 FROM \"{table}\")";
            if (Convert.ToInt64(await rows.ExecuteScalarAsync(cancellationToken)) != 0) return true;
        }
        return false;
    }
}
