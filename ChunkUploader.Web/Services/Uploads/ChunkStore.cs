namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The bytes of uploads on disk. Each chunk is written once, at its offset, into one partial file per upload;
/// completing the upload is a rename of that file into the user's files area, so no byte is copied twice.
/// </summary>
public sealed class ChunkStore(StoragePaths paths)
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Creates the empty partial file of a new upload, before its record exists, so that whoever finds the record finds the file.</summary>
    public void CreatePartialFile(string userId, Guid uploadId)
    {
        var partial = paths.PartialFile(userId, uploadId);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.Create(partial).Dispose();
    }

    /// <summary>Writes exactly <paramref name="length"/> bytes from <paramref name="body"/> at <paramref name="offset"/>.</summary>
    /// <returns>The number of bytes the body really carried, capped at <paramref name="length"/> + 1.</returns>
    /// <exception cref="FileNotFoundException">The upload was promoted or cancelled meanwhile; nothing is re-created.</exception>
    public async Task<long> WriteChunkAsync(string userId, Guid uploadId, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        var partial = paths.PartialFile(userId, uploadId);
        using var handle = File.OpenHandle(partial, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long written = 0;
            while (true)
            {
                // Read at most one byte past the expected length: enough to tell "too long" without draining an oversized body.
                var want = (int)Math.Min(buffer.Length, length - written + 1);
                var read = await body.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
                if (read == 0) return written;
                if (written + read > length) return length + 1;
                await RandomAccess.WriteAsync(handle, buffer.AsMemory(0, read), offset + written, cancellationToken);
                written += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Moves the partial file to its final name in one rename (never half-written there), then removes the chunk directory.</summary>
    /// <returns>Whether the finished file is in place; a repeated promotion finds it there already.</returns>
    public bool Promote(string userId, Guid uploadId)
    {
        var partial = paths.PartialFile(userId, uploadId);
        var finished = paths.FinishedFile(userId, uploadId);
        Directory.CreateDirectory(Path.GetDirectoryName(finished)!);
        if (File.Exists(partial)) File.Move(partial, finished, overwrite: true);
        DeleteChunks(userId, uploadId);
        return File.Exists(finished);
    }

    /// <summary>Every chunk directory on disk: (user directory, upload id, last write time).</summary>
    public IEnumerable<(string UserDirectory, Guid UploadId, DateTime LastWriteUtc)> ChunkDirectories()
    {
        if (!Directory.Exists(paths.ChunksRoot)) yield break;
        foreach (var user in Directory.EnumerateDirectories(paths.ChunksRoot))
        foreach (var upload in Directory.EnumerateDirectories(user))
            if (Guid.TryParseExact(Path.GetFileName(upload), "N", out var id))
                yield return (user, id, Directory.GetLastWriteTimeUtc(upload));
    }

    /// <summary>Removes a chunk directory found on disk (one the database no longer knows as live).</summary>
    public void DeleteChunkDirectory(string userDirectory, Guid uploadId)
    {
        var directory = Path.Combine(userDirectory, uploadId.ToString("N"));
        if (Path.GetFullPath(directory).StartsWith(paths.ChunksRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    public void DeleteChunks(string userId, Guid uploadId)
    {
        var directory = paths.ChunkDirectory(userId, uploadId);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    public void DeleteFinished(string userId, Guid uploadId) => File.Delete(paths.FinishedFile(userId, uploadId));

    public FileInfo Finished(string userId, Guid uploadId) => new(paths.FinishedFile(userId, uploadId));
}
