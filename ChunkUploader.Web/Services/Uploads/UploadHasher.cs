using System.Buffers;
using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Computes the SHA-256 of complete files that lack one, each under a lease in the database, so that of several
/// instances exactly one hashes each file and a file left by a dead instance is hashed by a live one.
/// </summary>
public sealed partial class UploadHasher(UploadLedger ledger, IUploadStore store, BackgroundCpu background, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadHasher> logger)
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>Read and hashed in one go on the low-priority thread, between looks at the lease.</summary>
    private const int SliceSize = 16 * BufferSize;

    /// <summary>How long a complete upload whose file is missing waits before the hasher looks for it again.</summary>
    private static readonly TimeSpan MissingFileRetry = TimeSpan.FromHours(1);

    /// <summary>Files claimed at a time: at the lowest priority a claim may wait long for its turn, and its lease with it.</summary>
    private const int ClaimedAtOnce = 2;

    /// <summary>Hashes the files it can claim for about one lease period (then the recovery loop gets its turn, however
    /// slowly hashing goes on busy cores); returns how many it hashed.</summary>
    public async Task<int> HashPendingAsync(CancellationToken cancellationToken)
    {
        var hashed = 0;
        var until = clock.GetUtcNow() + options.Value.ClaimLease;
        IReadOnlyList<Upload> claimed;
        while (clock.GetUtcNow() < until && (claimed = await ledger.ClaimUnhashedAsync(ClaimedAtOnce, cancellationToken)).Count > 0)
        {
            foreach (var upload in claimed)
            {
                try
                {
                    if (await HashAsync(upload, cancellationToken)) hashed++;
                }
                catch (Exception failure) when (failure is StorageFailedException or IOException)
                {
                    // One unreadable file must not hold back the others; its lease runs out and a later round tries again.
                    LogUnreadable(logger, upload.Id, failure);
                }
            }
        }
        return hashed;
    }

    private async Task<bool> HashAsync(Upload upload, CancellationToken cancellationToken)
    {
        await using var file = await store.OpenReadAsync(upload.UserId, upload.Id, cancellationToken);
        if (file is null)
        {
            // The storage is there (else the open failed) but this file is not. It stays Complete, since a file missing
            // for a moment (a share being remounted, a stale cache on another host) must not become one the sweep deletes
            // once it shows up again; it is looked at again hourly rather than at every lease. (A file deleted with its
            // upload or its owner's account takes its record first: nothing to set aside then.)
            if (await ledger.PostponeWorkAsync(upload.Id, clock.GetUtcNow().UtcDateTime + MissingFileRetry, cancellationToken))
                LogMissing(logger, upload.Id, MissingFileRetry);
            return false;
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Pooled: a new 1 MiB array per file is a large-object allocation, and many users finishing files at once made
        // them trigger a full (gen2) collection several times a second.
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var renewAt = clock.GetUtcNow() + options.Value.ClaimLease / 3;
            // Not cancelled mid-slice: the slice uses the buffer and the stream, which are let go when this method ends.
            while (await background.RunAsync(() => HashSlice(file, sha, buffer), CancellationToken.None) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (clock.GetUtcNow() < renewAt) continue;
                // A large file outlasts the lease: keep it, or stop if another instance has taken the work over.
                if (!await ledger.RenewWorkAsync(upload.Id, cancellationToken)) return false;
                renewAt = clock.GetUtcNow() + options.Value.ClaimLease / 3;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (!await ledger.SetSha256Async(upload.Id, hash, cancellationToken)) return false;
        LogHashed(logger, upload.Id, hash);
        return true;
    }

    /// <summary>Reads and hashes up to <see cref="SliceSize"/> bytes; returns how many (0 at the end of the file).</summary>
    private static long HashSlice(Stream file, IncrementalHash sha, byte[] buffer)
    {
        long sliced = 0;
        int read;
        while (sliced < SliceSize && (read = file.Read(buffer, 0, BufferSize)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            sliced += read;
        }
        return sliced;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} has SHA-256 {Sha256}")]
    private static partial void LogHashed(ILogger logger, Guid uploadId, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} could not be read to hash it; it is tried again once its lease runs out")]
    private static partial void LogUnreadable(ILogger logger, Guid uploadId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} is complete but its file is missing from the storage; hashing it is tried again in {RetryAfter} (`verify` lists it as MISSING)")]
    private static partial void LogMissing(ILogger logger, Guid uploadId, TimeSpan retryAfter);
}
