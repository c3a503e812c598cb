using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Operations;

/// <summary>
/// The one place where backup, restore and verify touch finished files. Reading goes through <see cref="IUploadStore"/>;
/// listing and restoring still know the local folder layout, so an object store would need them added to the interface.
/// </summary>
public sealed class StoredFiles(IUploadStore store, StoragePaths paths)
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>The finished file of an upload, or <see langword="null"/> when it is not on disk.</summary>
    public Task<Stream?> OpenReadAsync(string userId, Guid uploadId, CancellationToken cancellationToken) =>
        store.OpenReadAsync(userId, uploadId, cancellationToken);

    /// <summary>Writes a restored file under a temporary name and renames it into place, so no half-written file is ever served.</summary>
    public async Task WriteAsync(string userId, Guid uploadId, Stream content, CancellationToken cancellationToken)
    {
        var target = paths.FinishedFile(userId, uploadId);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + ".restoring";
        await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
        {
            await content.CopyToAsync(output, cancellationToken);
            output.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: false);
    }

    /// <summary>Every finished file on disk, as the storage key of its owner and its upload id.</summary>
    public IEnumerable<StoredFile> List()
    {
        if (!Directory.Exists(paths.FilesRoot)) yield break;
        foreach (var user in Directory.EnumerateDirectories(paths.FilesRoot))
        foreach (var file in Directory.EnumerateFiles(user))
            yield return new StoredFile(Path.GetFileName(user), Path.GetFileName(file), Path.GetRelativePath(paths.Root, file));
    }

    /// <summary>Whether the storage holds no finished file and no upload in progress: the only state a restore may write into.</summary>
    public bool IsEmpty() =>
        !HasAnyFile(paths.FilesRoot) && !HasAnyFile(paths.ChunksRoot);

    /// <summary>The owner part of a stored file's location, to match files on disk with records.</summary>
    public static string OwnerKey(string userId) => StoragePaths.UserKey(userId);

    /// <summary>The name of an upload's file within its owner's folder.</summary>
    public static string FileKey(Guid uploadId) => uploadId.ToString("N");

    private static bool HasAnyFile(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Any();
}

/// <summary>A file found on disk: its owner's storage key, its own name, and where it is relative to the storage root (for messages).</summary>
public sealed record StoredFile(string OwnerKey, string Name, string RelativePath);
