using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Audit;
using ChunkUploader.Web.Services.Operations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Commands;

/// <summary>
/// <c>restore &lt;folder&gt;</c>: a backup into an empty installation (no users or uploads in the database, no files in
/// storage), so that a restore can never overwrite live data. The backup is checked against its manifest before the
/// first byte is written; uploads that were still receiving when it was taken come back as Expired, since their chunks
/// are not in it.
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
        var files = context.Get<StoredFiles>();
        if (await HoldsDataAsync(databaseFile, cancellationToken) || !files.IsEmpty())
            return context.Fail($"This installation is not empty (database {databaseFile} or its storage holds data). Restore only into an empty installation.");

        Dictionary<string, string> manifest;
        try { manifest = await backup.ReadManifestAsync(cancellationToken); }
        catch (InvalidDataException e) { return context.Fail(e.Message); }
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

        Directory.CreateDirectory(Path.GetDirectoryName(databaseFile)!);
        // An empty database (from `migrate` or a first start) is replaced whole, journal files included.
        foreach (var stale in new[] { databaseFile, databaseFile + "-wal", databaseFile + "-shm" }) File.Delete(stale);
        await using (var source = new SqliteConnection(BackupFolder.ConnectionString(backup.DatabaseFile, readOnly: true)))
        await using (var target = new SqliteConnection(BackupFolder.ConnectionString(databaseFile, readOnly: false)))
        {
            await source.OpenAsync(cancellationToken);
            await target.OpenAsync(cancellationToken);
            source.BackupDatabase(target);
        }
        // A backup from an older version is brought to the current schema, as a server start would.
        await DatabaseInitializer.InitializeAsync(context.Services, cancellationToken);

        var complete = await db.Uploads.AsNoTracking().Where(u => u.Status == UploadStatus.Complete)
            .Select(u => new { u.Id, u.UserId }).ToListAsync(cancellationToken);
        var restored = 0;
        foreach (var upload in complete)
        {
            var entry = BackupFolder.FileEntry(upload.UserId, upload.Id);
            if (!manifest.ContainsKey(entry))
            {
                context.Error.WriteLine($"MISSING  upload {upload.Id}: complete in the database but not in the backup; `verify` will list it.");
                continue;
            }
            await using var stream = File.OpenRead(backup.FullPath(entry));
            await files.WriteAsync(upload.UserId, upload.Id, stream, cancellationToken);
            restored++;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var interrupted = await db.Uploads
            .Where(u => u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.Status, UploadStatus.Expired).SetProperty(u => u.FailureReason, NotInBackupReason), cancellationToken);
        // Per-chunk rows (claims, records) serve only uploads in progress, and none is left: they go, as on any expiry.
        await db.UploadChunks.ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var summary = $"{restored} files restored, {interrupted} uploads in progress marked Expired";
        await context.Get<AuditLog>().RecordAsync(AuditLog.CommandLineActor, "restore", backup.Path, summary, cancellationToken);
        context.Out.WriteLine($"Restored the database and {restored} files from {backup.Path}; {interrupted} uploads that were in progress are marked Expired.");
        return Succeeded;
    }

    /// <summary>Whether the database file has any user or upload; read-only, so checking never creates or changes it.</summary>
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
