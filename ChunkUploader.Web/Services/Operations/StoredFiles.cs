using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Operations;

/// <summary>
/// The one place where backup and verify touch finished files (restore writes through <see cref="RestoreStaging"/>).
/// Reading goes through <see cref="IUploadStore"/>; listing, and the restore's staging, still know the local folder
/// layout, so an object store would need them added to the interface.
/// </summary>
public sealed class StoredFiles(IUploadStore store, StoragePaths paths)
{
    /// <summary>The finished file of an upload, or <see langword="null"/> when it is not on disk.</summary>
    public Task<Stream?> OpenReadAsync(string userId, Guid uploadId, CancellationToken cancellationToken) =>
        store.OpenReadAsync(userId, uploadId, cancellationToken);

    /// <summary>Every file under the finished files' folder, as the storage key of its owner and its upload id; one that is
    /// not at <c>files/{owner}/{upload}</c> (dropped in by hand, nested) has no owner key, so no record can claim it.</summary>
    public IEnumerable<StoredFile> List()
    {
        if (!Directory.Exists(paths.FilesRoot)) yield break;
        foreach (var file in Directory.EnumerateFiles(paths.FilesRoot, "*", SearchOption.AllDirectories))
        {
            var parts = Path.GetRelativePath(paths.FilesRoot, file).Split(Path.DirectorySeparatorChar);
            yield return new StoredFile(parts.Length == 2 ? parts[0] : "", Path.GetFileName(file), Path.GetRelativePath(paths.Root, file));
        }
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
