using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Audit;
using ChunkUploader.Web.Services.Operations;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Commands;

/// <summary>
/// <c>backup &lt;folder&gt;</c>: a consistent snapshot while the server runs. The database is copied with SQLite's online
/// backup API (a file copy of a live WAL database can be torn); then every file the snapshot records as complete is copied
/// and hashed. Finished files never change after their rename into place, so copying them after the snapshot is consistent
/// with it; uploads still receiving are in the snapshot as records only (their chunks are not copied). The manifest lists
/// the snapshot too, so that <c>sha256sum -c</c> and <c>restore</c> find damage to the database as they do to a file.
/// </summary>
public sealed class BackupCommand(string folder) : OperationsCommand
{
    protected override async Task<int> ExecuteAsync(CommandContext context)
    {
        var backup = new BackupFolder(folder);
        var cancellationToken = context.CancellationToken;
        if (File.Exists(backup.Path) || (Directory.Exists(backup.Path) && Directory.EnumerateFileSystemEntries(backup.Path).Any()))
            return context.Fail($"{backup.Path} is not empty. A backup goes into a new or empty folder, so it never mixes with an older one.");
        var db = context.Get<AppDbContext>();
        if (!db.Database.IsSqlite())
            return context.Fail("backup copies a SQLite database only; for PostgreSQL use pg_dump (see the README), and `verify` for the files.");
        if (await SchemaProblemAsync(context) is { } problem) return context.Fail(problem);

        Directory.CreateDirectory(backup.Path);
        await using (var live = new SqliteConnection(db.Database.GetConnectionString()))
        await using (var snapshot = new SqliteConnection(BackupFolder.ConnectionString(backup.DatabaseFile, readOnly: false)))
        {
            await live.OpenAsync(cancellationToken);
            await snapshot.OpenAsync(cancellationToken);
            live.BackupDatabase(snapshot);
            // The live database is in WAL mode and the copy would be too; a backup is one self-contained file.
            await using var journal = snapshot.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode=DELETE;";
            await journal.ExecuteNonQueryAsync(cancellationToken);
        }

        List<(Guid Id, string UserId, string? Sha256)> complete;
        await using (var snapshotDb = backup.OpenDatabase(readOnly: true))
        {
            complete = (await snapshotDb.Uploads.AsNoTracking().Where(u => u.Status == UploadStatus.Complete)
                    .Select(u => new { u.Id, u.UserId, u.Sha256 }).ToListAsync(cancellationToken))
                .Select(u => (u.Id, u.UserId, u.Sha256)).ToList();
        }

        // Hashed once nothing has it open any more: the bytes as they stay in the backup.
        var manifest = new List<(string Sha256, string Entry)> { (await backup.HashDatabaseAsync(cancellationToken), BackupFolder.DatabaseFileName) };

        var files = context.Get<StoredFiles>();
        var problems = new List<string>();
        int copied = 0;
        long bytes = 0;
        foreach (var (id, userId, recorded) in complete)
        {
            Stream? opened;
            try
            {
                opened = await files.OpenReadAsync(userId, id, cancellationToken);
            }
            catch (StorageFailedException failure)
            {
                problems.Add($"UNREADABLE  upload {id}: {failure.InnerException?.Message}");
                continue;
            }
            await using var source = opened;
            if (source is null)
            {
                problems.Add($"MISSING  upload {id}: its file is not in storage");
                continue;
            }
            var entry = BackupFolder.FileEntry(userId, id);
            var target = backup.FullPath(entry);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using (var copy = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1024 * 1024, FileOptions.Asynchronous))
            {
                var sha256 = await BackupFolder.HashAsync(source, copy, cancellationToken);
                if (recorded is not null && recorded != sha256)
                    problems.Add($"ALTERED  upload {id}: recorded SHA-256 {recorded}, the file copied has {sha256}");
                manifest.Add((sha256, entry));
                copied++;
                bytes += copy.Length;
            }
        }
        await backup.WriteManifestAsync(manifest, cancellationToken);

        var summary = $"{complete.Count} complete uploads, {copied} files ({bytes} bytes), {problems.Count} problems";
        // The result first: it stands even if the audit record cannot be written.
        context.Out.WriteLine($"Backed up the database and {copied} files ({Services.Uploads.ByteSize.Format(bytes)}) to {backup.Path}.");
        await context.Get<AuditLog>().RecordAsync(AuditLog.CommandLineActor, "backup", backup.Path, summary, cancellationToken);
        if (problems.Count == 0) return Succeeded;
        foreach (var line in problems) context.Error.WriteLine(line);
        return context.Fail($"The backup is written, but {problems.Count} files could not be backed up as recorded; run `verify`.");
    }
}
