using System.Text;
using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Operations;

/// <summary>
/// Where a restore writes until all of it is written: a folder in the storage root for the files and one beside the
/// database for it, each on the volume of what it will replace, so that putting them in place at the end is one rename
/// each. Until then the installation is as it was. A failure discards both folders; a restore killed while writing
/// leaves them, and the next attempt discards them first (their fixed names are how it finds them). Once everything is
/// written, a journal in the storage root's folder says so until the renames are done: a restore killed among them is
/// finished by the next <c>restore</c>, and nothing else starts on the installation meanwhile.
/// </summary>
public sealed class RestoreStaging(StoragePaths paths, string databaseFile)
{
    private const string FolderName = ".restoring";
    private const string JournalName = "putting-in-place";
    private const int BufferSize = 1024 * 1024;

    /// <summary>SQLite's files beside a database: a journal left by the empty database must not be read as the restored one's.</summary>
    private static readonly string[] DatabaseSuffixes = ["", "-wal", "-shm", "-journal"];

    private readonly string _storageFolder = Path.Combine(paths.Root, FolderName);
    private readonly string _databaseFolder = Path.Combine(Path.GetDirectoryName(databaseFile)!, $".{Path.GetFileName(databaseFile)}{FolderName}");

    /// <summary>Folders of the installation that were not there (a new storage root, the database's folder), removed again on failure.</summary>
    private readonly List<string> _made = [];

    /// <summary>The restored database until it is put in place.</summary>
    public string DatabaseFile => Path.Combine(_databaseFolder, Path.GetFileName(databaseFile));

    private string StagedFiles => Path.Combine(_storageFolder, "files");

    private static string JournalOf(string storageRoot) => Path.Combine(storageRoot, FolderName, JournalName);

    /// <summary>
    /// A restore that was killed while putting its backup in place: which backup, and the database it was restoring;
    /// null when there is none. Until it is finished the installation holds part of a restore.
    /// </summary>
    public static (string Backup, string DatabaseFile)? Interrupted(string storageRoot)
    {
        try
        {
            return File.ReadAllLines(JournalOf(storageRoot)) is [var backup, var database, ..] ? (backup, database) : null;
        }
        // Not there, or a root that cannot be read at all, which the storage check after this reports in its own words.
        catch (Exception missing) when (missing is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Where a backup entry (<c>files/{owner}/{upload}</c>, laid out as in the storage root) is restored until put in place.</summary>
    public string FilePath(string entry) => paths.Inside(_storageFolder, entry);

    /// <summary>
    /// Discards what an earlier attempt left and makes both folders, with a file in each: that the storage root and the
    /// database's folder take new files is known before anything of the installation changes. Null when ready, else why
    /// not, with nothing left behind.
    /// </summary>
    public string? Prepare()
    {
        if (Make(_storageFolder) is { } storage)
        {
            Discard();
            return $"Storage:Root '{paths.Root}' cannot be written: {storage} Nothing was restored.";
        }
        if (Make(_databaseFolder) is { } database)
        {
            Discard();
            return $"The database's folder '{Path.GetDirectoryName(databaseFile)}' cannot be written: {database} Nothing was restored.";
        }
        return null;
    }

    /// <summary>Copies a file of the backup into the staging area, failing if its bytes are not the ones checked before.</summary>
    public static async Task CopyAsync(string source, string target, string sha256, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
        if (await BackupFolder.HashAsync(input, output, cancellationToken) != sha256)
            throw new InvalidDataException($"{source} changed after the backup was checked.");
        // On disk before the rename that puts it in place: after a power cut a file is there whole or not at all.
        output.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Puts the files and then the database in place, each with a rename. The database goes last: until it is there the
    /// installation is still an empty one. What it replaces (an empty database with its journals, a files folder holding
    /// no file) is moved aside rather than deleted, so that a rename that fails undoes the ones before it; if undoing
    /// fails too, the journal stays and the next <c>restore</c> finishes the renames (<see cref="RestoreIncompleteException"/>).
    /// </summary>
    public void Commit(string backup)
    {
        Directory.CreateDirectory(StagedFiles); // a backup without files still restores an (empty) files folder
        WriteJournal(backup);
        var done = new Stack<(string From, string To)>();
        try
        {
            PutInPlace((from, to) => done.Push((from, to)));
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            while (done.TryPop(out var move))
            {
                try
                {
                    Move(move.To, move.From);
                }
                catch (Exception undo) when (undo is IOException or UnauthorizedAccessException)
                {
                    throw new RestoreIncompleteException($"{failure.Message} Undoing it failed too ({undo.Message}).", failure);
                }
            }
            throw;
        }
    }

    /// <summary>Finishes the renames of a restore that was interrupted among them (see <see cref="Interrupted"/>), then removes its staging folders.</summary>
    public static string? Resume(StoragePaths paths)
    {
        if (Interrupted(paths.Root) is not { } interrupted) return null;
        var staging = new RestoreStaging(paths, interrupted.DatabaseFile);
        staging.PutInPlace((_, _) => { });
        return staging.Finish();
    }

    /// <summary>
    /// The renames, each done only while its source is still staged, so that running them again after an interruption
    /// does the rest and nothing twice.
    /// </summary>
    private void PutInPlace(Action<string, string> moved)
    {
        void Once(string from, string to)
        {
            Move(from, to);
            moved(from, to);
        }

        if (File.Exists(DatabaseFile))
            foreach (var suffix in DatabaseSuffixes)
                if (File.Exists(databaseFile + suffix)) Once(databaseFile + suffix, Path.Combine(_databaseFolder, "replaced" + suffix));
        if (Directory.Exists(StagedFiles))
        {
            if (Directory.Exists(paths.FilesRoot)) Once(paths.FilesRoot, Path.Combine(_storageFolder, "replaced-files"));
            Once(StagedFiles, paths.FilesRoot);
        }
        if (File.Exists(DatabaseFile)) Once(DatabaseFile, databaseFile);
    }

    private static void Move(string from, string to)
    {
        if (Directory.Exists(from)) Directory.Move(from, to);
        else File.Move(from, to);
    }

    /// <summary>Written and flushed before the first rename: from then on, the next restore finishes rather than discards.</summary>
    private void WriteJournal(string backup)
    {
        using (var journal = new FileStream(JournalOf(paths.Root), FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            journal.Write(Encoding.UTF8.GetBytes($"{backup}\n{databaseFile}\n"));
            journal.Flush(flushToDisk: true);
        }
        DirectorySync.Flush(_storageFolder);
    }

    /// <summary>After <see cref="Commit"/>: removes the staging folders and what was moved aside. Null when done, else what is left.</summary>
    public string? Finish()
    {
        try
        {
            DeleteStagingFolders();
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return $"Restored, but {_storageFolder} or {_databaseFolder} could not be removed ({failure.Message}); remove them by hand.";
        }
    }

    /// <summary>
    /// Removes everything a failed attempt wrote and the folders it made. Never throws: what it cannot remove now, the next
    /// attempt removes before it starts.
    /// </summary>
    public void Discard()
    {
        try
        {
            DeleteStagingFolders();
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException) { }
        // Deepest first, and only when empty: a folder made for the restore is never deleted with anything in it.
        foreach (var folder in _made.OrderByDescending(f => f.Length))
        {
            try
            {
                if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The journal goes last: until it is gone, a restore killed here is finished (which then finds nothing left to do).</summary>
    private void DeleteStagingFolders()
    {
        if (Directory.Exists(_databaseFolder)) Directory.Delete(_databaseFolder, recursive: true);
        if (!Directory.Exists(_storageFolder)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(_storageFolder).Where(e => Path.GetFileName(e) != JournalName).ToList())
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        Directory.Delete(_storageFolder, recursive: true);
    }

    /// <summary>Makes a staging folder (after removing one an earlier attempt left) and a file in it; null when done, else why not.</summary>
    private string? Make(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            for (var missing = Path.GetDirectoryName(folder); missing is not null && !Directory.Exists(missing); missing = Path.GetDirectoryName(missing))
                _made.Add(missing);
            Directory.CreateDirectory(folder);
            using (new FileStream(Path.Combine(folder, ".probe"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return failure.Message;
        }
    }
}

/// <summary>Putting a restore in place failed midway and could not be undone: its journal stays for the next <c>restore</c> to finish it.</summary>
public sealed class RestoreIncompleteException(string message, Exception inner) : IOException(message, inner);
