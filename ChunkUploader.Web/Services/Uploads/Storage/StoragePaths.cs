using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// The layout of the storage root. Every path is built from server-chosen parts (user key, upload id);
/// no client-supplied string ever becomes a path component.
/// </summary>
/// <remarks>
/// <c>{root}/chunks/{user}/{upload}/data.part</c> holds an upload while it is receiving;
/// <c>{root}/files/{user}/{upload}</c> is the finished file.
/// </remarks>
public sealed partial class StoragePaths
{
    public StoragePaths(IOptions<StorageOptions> options, IHostEnvironment environment)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Value.Root, environment.ContentRootPath));
    }

    public string Root { get; }

    public string ChunksRoot => Path.Combine(Root, "chunks");
    public string FilesRoot => Path.Combine(Root, "files");

    public string UserChunksDirectory(string userId) => Inside(ChunksRoot, UserKey(userId));
    public string UserFilesDirectory(string userId) => Inside(FilesRoot, UserKey(userId));
    public string ChunkDirectory(string userId, Guid uploadId) => Inside(ChunksRoot, UserKey(userId), uploadId.ToString("N"));
    public string PartialFile(string userId, Guid uploadId) => Path.Combine(ChunkDirectory(userId, uploadId), "data.part");
    public string FinishedFile(string userId, Guid uploadId) => Inside(FilesRoot, UserKey(userId), uploadId.ToString("N"));

    /// <summary>A directory name for a user: the Identity id when it is a plain token, else a hash of it.</summary>
    public static string UserKey(string userId) =>
        PlainToken().IsMatch(userId)
            ? userId.ToLowerInvariant()
            : "u" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)))[..32];

    /// <summary>The one check that a path stays inside the storage root.</summary>
    public string Inside(params string[] parts)
    {
        var full = Path.GetFullPath(Path.Combine(parts));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOperationException($"Refusing a storage path outside the root: {full}");
        return full;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]
    private static partial Regex PlainToken();
}
