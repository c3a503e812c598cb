using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Operations;

/// <summary>
/// The layout of a backup folder:
/// <c>chunkuploader.db</c> (a SQLite snapshot taken with the online backup API),
/// <c>files/{owner}/{upload}</c> (every finished file), and
/// <c>manifest.sha256</c> (one <c>sha256sum</c> line per file, so <c>sha256sum -c manifest.sha256</c> checks any copy of it).
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
    public AppDbContext OpenDatabase(bool readOnly) =>
        new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(ConnectionString(DatabaseFile, readOnly)).Options);

    public static string ConnectionString(string file, bool readOnly) => new SqliteConnectionStringBuilder
    {
        DataSource = file,
        Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        Pooling = false, // the file is copied or checked right after; no pooled handle may keep it open
    }.ToString();

    public async Task WriteManifestAsync(IEnumerable<(string Sha256, string Entry)> lines, CancellationToken cancellationToken) =>
        await File.WriteAllLinesAsync(ManifestFile, lines.Select(l => $"{l.Sha256}  {l.Entry}"), cancellationToken);

    /// <summary>The manifest as entry → SHA-256; a line that is not <c>sha256sum</c> output for a file under <c>files/</c> is an error.</summary>
    public async Task<Dictionary<string, string>> ReadManifestAsync(CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(ManifestFile, cancellationToken))
        {
            number++;
            if (line.Length == 0) continue;
            var parts = line.Split("  ", 2);
            // Only files/{owner}/{upload} with plain names: a manifest must not steer a restore outside the backup folder.
            if (parts.Length != 2 || parts[0].Length != 64 || !parts[0].All(Uri.IsHexDigit) || !IsFileEntry(parts[1]))
                throw new InvalidDataException($"{ManifestFile} line {number} is not '<sha256>  files/<owner>/<upload>'.");
            entries[parts[1]] = parts[0].ToLowerInvariant();
        }
        return entries;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (when given) and returns the lower-case hex SHA-256 of the bytes.</summary>
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
