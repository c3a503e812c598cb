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

    /// <summary>Hashes every file it can claim; returns how many it hashed.</summary>
    public async Task<int> HashPendingAsync(CancellationToken cancellationToken)
    {
        var hashed = 0;
        IReadOnlyList<Upload> claimed;
        while ((claimed = await ledger.ClaimUnhashedAsync(cancellationToken)).Count > 0)
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
            // The storage is there (else the open failed) but this file is not: it was lost, and trying again cannot help.
            // (A file deleted with its upload or its owner's account takes its record first: nothing to mark then.)
            if (await ledger.MarkLostAsync(upload.Id, "Its stored file went missing before its SHA-256 could be computed.", cancellationToken))
                LogLost(logger, upload.Id);
            return false;
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Pooled: a new 1 MiB array per file is a large-object allocation, and many users finishing files at once made
        // them trigger a full (gen2) collection several times a second.
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var renewAt = clock.GetUtcNow() + options.Value.ClaimLease / 3;
            while (await background.RunAsync(() => HashSlice(file, sha, buffer), cancellationToken) > 0)
            {
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload {UploadId} was complete but its file is missing from the storage; marked failed")]
    private static partial void LogLost(ILogger logger, Guid uploadId);
}
