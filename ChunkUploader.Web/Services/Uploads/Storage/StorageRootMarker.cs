namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// A file the server keeps at the top of its storage root. Made when the server starts (with the root, on a fresh
/// installation), then only looked for: a root without it is one whose mount went away (an empty mount point, or no
/// folder at all), which must not pass for a fresh one.
/// </summary>
public static class StorageRootMarker
{
    public const string FileName = ".chunkuploader-storage";

    /// <summary>Makes the root and its marker where missing; null when done, else why the root cannot be used.</summary>
    public static string? Ensure(string root)
    {
        try
        {
            Directory.CreateDirectory(root);
            var marker = Path.Combine(root, FileName);
            if (!File.Exists(marker)) File.WriteAllText(marker, "This folder is a ChunkUploader storage root; the server's health check looks for this file.\n");
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return $"Storage:Root '{root}' cannot be used: {failure.Message}";
        }
    }

    public static bool IsPresent(string root) => File.Exists(Path.Combine(root, FileName));

    /// <summary>
    /// Keeps the marker open for as long as the server runs. .NET takes an advisory lock (<c>flock</c>) for every open
    /// file on Unix, shared here, so any number of instances hold it together while a command that must run alone
    /// (<c>restore</c>, <see cref="TryHoldAlone"/>) can tell that one is running. Null while such a command holds it.
    /// </summary>
    public static IDisposable? TryHold(string root) =>
        TryOpen(root, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>
    /// Holds the marker alone until <paramref name="hold"/> is disposed; false while a server holds it. A root without a
    /// marker has never had a server: nothing to hold (<paramref name="hold"/> is null), and nothing is created. Advisory
    /// only, like every <c>flock</c>: with <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> set, or across hosts on NFS mounted
    /// with <c>nolock</c>, it sees nothing.
    /// </summary>
    public static bool TryHoldAlone(string root, out IDisposable? hold)
    {
        hold = null;
        if (!IsPresent(root)) return true;
        hold = TryOpen(root, FileAccess.ReadWrite, FileShare.None);
        return hold is not null;
    }

    private static FileStream? TryOpen(string root, FileAccess access, FileShare share)
    {
        try
        {
            return new FileStream(Path.Combine(root, FileName), FileMode.Open, access, share);
        }
        // The lock is taken by another process: the open fails as a sharing violation, an IOException of no subclass.
        catch (IOException held) when (held.GetType() == typeof(IOException))
        {
            return null;
        }
    }
}
