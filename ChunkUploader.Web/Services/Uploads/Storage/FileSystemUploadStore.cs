using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// Uploads in a local or shared folder. Each upload receives into one partial file, every chunk written once at its
/// offset; completion renames that file into the owner's files area, so no byte is written twice.
/// </summary>
/// <remarks>
/// <c>{root}/chunks/{user}/{upload}/data.part</c> while receiving, <c>{root}/files/{user}/{upload}</c> when finished.
/// With <see cref="StorageOptions.Durable"/> every chunk is flushed to stable storage before it is acknowledged, and
/// every created or renamed name is made durable by flushing its directory.
/// </remarks>
public sealed class FileSystemUploadStore(StoragePaths paths, IOptions<StorageOptions> options) : IUploadStore
{
    /// <summary>Chunk bytes are gathered into writes of this size: one system call per quarter MiB, not per network read.</summary>
    private const int WriteSize = 256 * 1024;

    private readonly bool _durable = options.Value.Durable;

    public StoreCapabilities Capabilities { get; } = new(MinChunkSize: 1, MaxChunks: int.MaxValue);

    public Task BeginAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken)
    {
        OnVolume(() =>
        {
            EnsureRootThere();
            var directory = paths.ChunkDirectory(ownerId, uploadId);
            var created = CreateDirectories(directory);
            File.Create(Path.Combine(directory, "data.part")).Dispose();
            if (_durable)
            {
                DirectorySync.Flush(directory);
                // Every directory this call created must itself be named durably in its parent.
                foreach (var parent in created.Select(d => Path.GetDirectoryName(d)!)) DirectorySync.Flush(parent);
            }
        });
        return Task.CompletedTask;
    }

    public async Task<ChunkWrite> WriteChunkAsync(string ownerId, Guid uploadId, long offset, long length, Stream body, IChunkFence fence, bool hash, CancellationToken cancellationToken)
    {
        // Open, never create: a partial file that is gone means the upload was finished or cancelled meanwhile.
        var file = OpenIfPresent(() => File.OpenHandle(paths.PartialFile(ownerId, uploadId), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous));
        if (file is null)
        {
            OnVolume(EnsureRootThere);
            return new ChunkWrite(ChunkWriteStatus.UploadGone, 0, null);
        }

        using (file)
        {
            using var sha = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            return await CopyAsync(body, file, offset, length, fence, sha, cancellationToken);
        }
    }

    public async Task<HeldWrite> WriteFinishedAsync(string ownerId, Guid uploadId, long length, Stream body, CancellationToken cancellationToken)
    {
        var finished = paths.FinishedFile(ownerId, uploadId);
        var directory = Path.GetDirectoryName(finished)!;
        var created = OnVolume(() =>
        {
            EnsureRootThere();
            return CreateDirectories(directory);
        });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Opened shared, so it carries a shared lock until the caller lets go: the sweep's exclusive open fails meanwhile.
        var file = OnVolume(() => File.OpenHandle(finished, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous));
        try
        {
            var written = await CopyAsync(body, file, 0, length, fence: null, sha, cancellationToken);
            if (_durable && written.Carried == length)
            {
                // The file's bytes were flushed by the copy; its name must be durable too before its record is written.
                OnVolume(() =>
                {
                    DirectorySync.Flush(directory);
                    foreach (var parent in created.Select(d => Path.GetDirectoryName(d)!)) DirectorySync.Flush(parent);
                });
            }
            return new HeldWrite(written, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes of <paramref name="body"/> to <paramref name="offset"/>, flushing them when durable.</summary>
    private async Task<ChunkWrite> CopyAsync(Stream body, SafeFileHandle file, long offset, long length, IChunkFence? fence, IncrementalHash? sha, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(WriteSize);
        try
        {
            long carried = 0;
            while (true)
            {
                // Fill the buffer before writing; read at most one byte past the chunk to tell "too long" without draining the body.
                var filled = 0;
                var want = (int)Math.Min(WriteSize, length - carried + 1);
                int read;
                while (filled < want && (read = await body.ReadAsync(buffer.AsMemory(filled, want - filled), cancellationToken)) > 0)
                    filled += read;
                if (filled == 0) break;
                if (carried + filled > length) return new ChunkWrite(ChunkWriteStatus.Written, length + 1, null);

                if (fence is not null) await fence.EnsureHeldAsync(cancellationToken);
                try
                {
                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, filled), offset + carried, cancellationToken);
                }
                catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
                {
                    throw new StorageFailedException(failure);
                }
                if (_durable && filled == WriteSize) EarlyWriteback.Start(file, offset + carried, filled);
                sha?.AppendData(buffer, 0, filled);
                carried += filled;
                if (filled < want) break;
            }
            if (_durable && carried == length) OnVolume(() => RandomAccess.FlushToDisk(file));
            return new ChunkWrite(ChunkWriteStatus.Written, carried, sha?.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<bool> CompleteAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken) => Task.FromResult(OnVolume(() =>
    {
        var partial = paths.PartialFile(ownerId, uploadId);
        var finished = paths.FinishedFile(ownerId, uploadId);
        // With the storage's mount gone every upload looks unfinishable: it must wait for the mount, not be failed, and
        // nothing may be created in the empty mount point.
        var receiving = File.Exists(partial);
        if (!receiving && !File.Exists(finished) && !StorageRootMarker.IsPresent(paths.Root)) throw RootGone();
        if (receiving)
        {
            var directory = Path.GetDirectoryName(finished)!;
            var created = CreateDirectories(directory);
            File.Move(partial, finished, overwrite: true);
            if (_durable)
            {
                DirectorySync.Flush(directory);
                foreach (var parent in created.Select(d => Path.GetDirectoryName(d)!)) DirectorySync.Flush(parent);
            }
        }
        DeleteDirectory(paths.ChunkDirectory(ownerId, uploadId));
        return File.Exists(finished);
    }));

    public Task AbortAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken)
    {
        OnVolume(() => DeleteDirectory(paths.ChunkDirectory(ownerId, uploadId)));
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken)
    {
        var file = OpenIfPresent(() => new FileStream(paths.FinishedFile(ownerId, uploadId), FileMode.Open, FileAccess.Read,
            FileShare.Read | FileShare.Delete, bufferSize: 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
        // Every file is missing when the storage's mount went away: that is the volume's failure, not a file gone.
        if (file is null && !StorageRootMarker.IsPresent(paths.Root)) throw new StorageFailedException(RootGone());
        return Task.FromResult<Stream?>(file);
    }

    private static DirectoryNotFoundException RootGone() => new($"The storage root has no {StorageRootMarker.FileName} file (a mount gone?).");

    /// <summary>Nothing is made in an empty mount point: with the marker gone, writing fails as the volume's failure (503).</summary>
    private void EnsureRootThere()
    {
        if (!StorageRootMarker.IsPresent(paths.Root)) throw RootGone();
    }

    public Task DeleteAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken)
    {
        OnVolume(() =>
        {
            DeleteFile(paths.FinishedFile(ownerId, uploadId));
            DeleteDirectory(paths.ChunkDirectory(ownerId, uploadId));
        });
        return Task.CompletedTask;
    }

    public Task DeleteOwnerAsync(string ownerId, CancellationToken cancellationToken)
    {
        OnVolume(() =>
        {
            DeleteDirectory(paths.UserChunksDirectory(ownerId));
            DeleteDirectory(paths.UserFilesDirectory(ownerId));
        });
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredItem> ListAsync(DateTime olderThan, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var directory in Children(paths.ChunksRoot, Directory.EnumerateDirectories))
            if (Guid.TryParseExact(Path.GetFileName(directory), "N", out var id) && Directory.GetLastWriteTimeUtc(directory) < olderThan)
                yield return new StoredItem(StoredItemKind.Receiving, id, Directory.GetLastWriteTimeUtc(directory), directory);
        foreach (var file in Children(paths.FilesRoot, Directory.EnumerateFiles))
            if (Guid.TryParseExact(Path.GetFileName(file), "N", out var id) && File.GetLastWriteTimeUtc(file) < olderThan)
                yield return new StoredItem(StoredItemKind.Finished, id, File.GetLastWriteTimeUtc(file), file);
    }

    public async Task<bool> DeleteItemAsync(StoredItem item, Func<CancellationToken, Task<bool>> stillUnowned, CancellationToken cancellationToken)
    {
        // The key came from this store's own listing, but it is still checked: nothing outside the root is ever deleted.
        var path = paths.Inside(item.Key);
        if (item.Kind == StoredItemKind.Receiving)
        {
            if (!await stillUnowned(cancellationToken)) return false;
            DeleteDirectory(path);
            return true;
        }

        try
        {
            // Exclusive: fails while a request still writes the file (or anyone reads it), whose record may yet come.
            // Once held, no writer is left that could record it: its name is a fresh id that no request opens again.
            using (File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.None))
                if (!await stillUnowned(cancellationToken)) return false;
        }
        catch (IOException)
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    public long? AvailableBytes()
    {
        // The server made the root at start: one gone since is a mount gone, whose free space says nothing.
        return OnVolume(() =>
        {
            EnsureRootThere();
            return new DriveInfo(paths.Root).AvailableFreeSpace;
        });
    }

    /// <summary>Runs a step that only touches the volume, so that its I/O errors are the volume's, not the request's.</summary>
    private static T OnVolume<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new StorageFailedException(failure);
        }
    }

    /// <summary>Opens a file that may be gone (null then); any other failure is the volume's, as in <see cref="OnVolume{T}"/>.</summary>
    private static T? OpenIfPresent<T>(Func<T> open) where T : class
    {
        try
        {
            return OnVolume(open);
        }
        catch (StorageFailedException failure) when (failure.InnerException is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void OnVolume(Action step) => OnVolume(() =>
    {
        step();
        return true;
    });

    /// <summary>Entries two levels down (owner, then upload) under <paramref name="root"/>.</summary>
    private static IEnumerable<string> Children(string root, Func<string, IEnumerable<string>> entries) =>
        Directory.Exists(root) ? Directory.EnumerateDirectories(root).SelectMany(entries) : [];

    /// <summary>Creates <paramref name="directory"/> and any missing parents; returns the ones it created, deepest first.</summary>
    private static List<string> CreateDirectories(string directory)
    {
        var created = new List<string>();
        for (var current = directory; !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
            created.Add(current);
        if (created.Count > 0) Directory.CreateDirectory(directory);
        return created;
    }

    private static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder was never made (the upload never finished, and the owner has no finished file) or is gone.
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: another request or instance removed it first.
        }
    }
}
