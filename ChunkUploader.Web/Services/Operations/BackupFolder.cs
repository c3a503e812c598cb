using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Operations;

/// <summary>
/// The layout of a backup folder:
/// <c>chunkuploader.db</c> (a SQLite snapshot taken with the online backup API),
/// <c>files/{owner}/{upload}</c> (every finished file), and
/// <c>manifest.sha256</c> (one <c>sha256sum</c> line per file, the database's too, so <c>sha256sum -c manifest.sha256</c>
/// checks any copy of it; backups of earlier versions do not list the database).
/// </summary>
public sealed class BackupFolder(string path)
{
    public const string DatabaseFileName = "chunkuploader.db";
    public const string ManifestFileName = "manifest.sha256";

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string DatabaseFile => System.IO.Path.Combine(Path, DatabaseFileName);
    public string ManifestFile => System.IO.Path.Combine(Path, ManifestFileName);

    /// <summary>Where an upload's file lies inside the backup, relative to its root, with forward slashes as the manifest writes it.</summary>
    public static string FileEntry(string userId, Guid uploadId) => $"files/{StoredFiles.OwnerKey(userId)}/{StoredFiles.FileKey(uploadId)}";

    public string FullPath(string entry) => System.IO.Path.Combine(Path, entry.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>A context on the snapshot, to read the records exactly as they were when the backup was taken.</summary>
    public AppDbContext OpenDatabase(bool readOnly) => OpenDatabase(DatabaseFile, readOnly);

    /// <summary>A context on a SQLite file of the app's schema outside the configured database (a snapshot, a restore in progress).</summary>
    public static AppDbContext OpenDatabase(string file, bool readOnly) =>
        new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(ConnectionString(file, readOnly)).Options);

    public static string ConnectionString(string file, bool readOnly) => new SqliteConnectionStringBuilder
    {
        DataSource = file,
        Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        Pooling = false, // the file is copied or checked right after; no pooled handle may keep it open
    }.ToString();

    public async Task WriteManifestAsync(IEnumerable<(string Sha256, string Entry)> lines, CancellationToken cancellationToken) =>
        await File.WriteAllLinesAsync(ManifestFile, lines.Select(l => $"{l.Sha256}  {l.Entry}"), cancellationToken);

    /// <summary>The manifest as entry → SHA-256; a line that is not <c>sha256sum</c> output for the database or a file under <c>files/</c> is an error.</summary>
    public async Task<Dictionary<string, string>> ReadManifestAsync(CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(ManifestFile, cancellationToken))
        {
            number++;
            if (line.Length == 0) continue;
            var parts = line.Split("  ", 2);
            // Only the database and files/{owner}/{upload} with plain names: a manifest must not steer a restore outside the backup folder.
            if (parts.Length != 2 || parts[0].Length != 64 || !parts[0].All(Uri.IsHexDigit) || (parts[1] != DatabaseFileName && !IsFileEntry(parts[1])))
                throw new InvalidDataException($"{ManifestFile} line {number} is not '<sha256>  {DatabaseFileName}' or '<sha256>  files/<owner>/<upload>'.");
            entries[parts[1]] = parts[0].ToLowerInvariant();
        }
        return entries;
    }

    /// <summary>
    /// Why the snapshot cannot be restored, or null. SQLite's integrity check finds damage that a backup without the
    /// database in its manifest cannot show; the migrations history tells the app's database from any other, and from an
    /// empty file, which SQLite opens as an empty database that passes the check. Read-only, so checking never changes it.
    /// </summary>
    public async Task<string?> DatabaseProblemAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(ConnectionString(DatabaseFile, readOnly: true));
            await connection.OpenAsync(cancellationToken);
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check(1);"; // the first problem is enough to refuse it
            if (Convert.ToString(await check.ExecuteScalarAsync(cancellationToken)) is var verdict and not "ok")
                return $"{DatabaseFile} is damaged (SQLite's integrity check: {verdict}); nothing was restored.";
            await using var history = connection.CreateCommand();
            history.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
            if (Convert.ToInt64(await history.ExecuteScalarAsync(cancellationToken)) == 0)
                return $"{DatabaseFile} holds no ChunkUploader database (it has no migrations history); nothing was restored.";
            return null;
        }
        catch (SqliteException damaged)
        {
            return $"{DatabaseFile} is damaged ({damaged.Message}); nothing was restored.";
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (when given) and returns the lower-case hex SHA-256 of the bytes.</summary>
    /// <summary>The lower-case hex SHA-256 of the snapshot as it lies in the folder.</summary>
    public async Task<string> HashDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var database = File.OpenRead(DatabaseFile);
        return await HashAsync(database, null, cancellationToken);
    }

    public static async Task<string> HashAsync(Stream source, Stream? destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            if (destination is not null) await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static bool IsFileEntry(string entry)
    {
        var segments = entry.Split('/');
        return segments.Length == 3 && segments[0] == "files"
            && segments.Skip(1).All(s => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }
}
