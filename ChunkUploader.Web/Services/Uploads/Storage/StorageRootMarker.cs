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
    /// (<c>restore</c>) can tell that one is running.
    /// </summary>
    public static IDisposable Hold(string root) =>
        new FileStream(Path.Combine(root, FileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>Whether a running server holds this root's marker (see <see cref="Hold"/>).</summary>
    public static bool IsHeld(string root)
    {
        try
        {
            using var alone = new FileStream(Path.Combine(root, FileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
