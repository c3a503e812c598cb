namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// What the upload pipeline needs of storage. Uploads are named by owner and id only: no caller ever sees a path,
/// so another implementation (an object store) can replace the local one without touching the pipeline.
/// </summary>
public interface IUploadStore
{
    StoreCapabilities Capabilities { get; }

    /// <summary>Prepares a new upload to receive chunks; durable before it returns, because its record is written next.</summary>
    Task BeginAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken);

    /// <summary>
    /// Streams one chunk from <paramref name="body"/> to its place. Reads at most one byte past <paramref name="length"/>,
    /// and awaits <paramref name="fence"/> before every write so that a writer that lost its claim writes nothing more.
    /// </summary>
    Task<ChunkWrite> WriteChunkAsync(string ownerId, Guid uploadId, long offset, long length, Stream body, IChunkFence fence, bool hash, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a file that arrives whole in one request directly as its finished file, hashing it on the way; durable
    /// before it returns, because its record is written next. Reads at most one byte past <paramref name="length"/>.
    /// The file is held until the result is disposed, which its writer does once its record is written (or it is
    /// deleted): the orphan sweep never takes a file still held, however long its body took to arrive. A file left
    /// by a request that failed midway has no record, and the sweep removes it.
    /// </summary>
    Task<HeldWrite> WriteFinishedAsync(string ownerId, Guid uploadId, long length, Stream body, CancellationToken cancellationToken);

    /// <summary>Turns the received bytes into the finished file in one step. Idempotent: a repeat after a crash finds it done.</summary>
    /// <returns>Whether the finished file is in place.</returns>
    Task<bool> CompleteAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes what an upload received so far.</summary>
    Task AbortAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken);

    /// <summary>The finished file, seekable for ranged downloads; null when there is none.</summary>
    /// <exception cref="StorageFailedException">The file cannot be read, or the whole storage is not there.</exception>
    Task<Stream?> OpenReadAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes an upload's finished file and anything it received.</summary>
    Task DeleteAsync(string ownerId, Guid uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes everything one owner has stored (their account is gone).</summary>
    Task DeleteOwnerAsync(string ownerId, CancellationToken cancellationToken);

    /// <summary>Stored items last written before <paramref name="olderThan"/>, for the orphan sweep.</summary>
    IAsyncEnumerable<StoredItem> ListAsync(DateTime olderThan, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes one item found by <see cref="ListAsync"/> unless a writer still holds it, asking
    /// <paramref name="stillUnowned"/> once the item is held here, so that a record written meanwhile saves it.
    /// </summary>
    /// <returns>Whether the item was deleted.</returns>
    Task<bool> DeleteItemAsync(StoredItem item, Func<CancellationToken, Task<bool>> stillUnowned, CancellationToken cancellationToken);

    /// <summary>Bytes still free where new uploads go; null when the store cannot tell.</summary>
    long? AvailableBytes();
}

/// <summary>What a store can hold: options are checked against these at start.</summary>
/// <param name="MinChunkSize">Smallest chunk (part) the store accepts, except the last; an S3-style store needs 5 MiB.</param>
/// <param name="MaxChunks">Most chunks (parts) one file may have; an S3-style store allows 10,000.</param>
public sealed record StoreCapabilities(long MinChunkSize, int MaxChunks);

public enum StoredItemKind { Receiving, Finished }

/// <summary>An item in the store; <paramref name="Key"/> means something only to the store that listed it.</summary>
public sealed record StoredItem(StoredItemKind Kind, Guid UploadId, DateTime LastWriteUtc, string Key);

public enum ChunkWriteStatus
{
    Written,
    /// <summary>The upload's partial data is gone (cancelled, expired or completed meanwhile); nothing was written or re-created.</summary>
    UploadGone,
}

/// <summary>How a chunk write went.</summary>
/// <param name="Carried">Bytes the body carried, capped at the expected length plus one.</param>
/// <param name="Sha256">The SHA-256 of the bytes carried, when asked for.</param>
public sealed record ChunkWrite(ChunkWriteStatus Status, long Carried, byte[]? Sha256);

/// <summary>A write whose file stays held, and so out of the orphan sweep's reach, until this is disposed.</summary>
public sealed class HeldWrite(ChunkWrite written, IDisposable hold) : IDisposable
{
    public ChunkWrite Written { get; } = written;

    public void Dispose() => hold.Dispose();
}

/// <summary>Awaited before every write of a chunk: throws <see cref="ChunkClaimLostException"/> once the writer no longer holds the chunk.</summary>
public interface IChunkFence
{
    ValueTask EnsureHeldAsync(CancellationToken cancellationToken);
}

public sealed class ChunkClaimLostException() : Exception("The claim on this chunk ran out and was taken over by another request.");
