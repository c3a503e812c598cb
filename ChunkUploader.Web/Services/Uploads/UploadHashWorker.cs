using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Computes the SHA-256 of finished files in the background. At start it also picks up complete files that never
/// got their hash (the process stopped before it was computed).
/// </summary>
public sealed partial class UploadHashWorker(IServiceScopeFactory scopes, UploadHashQueue queue, ILogger<UploadHashWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var uploadId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await HashAsync(uploadId, stoppingToken);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or DbUpdateException)
            {
                LogHashFailed(logger, exception, uploadId);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var unhashed = await db.Uploads.AsNoTracking().Where(u => u.Status == UploadStatus.Complete && u.Sha256 == null)
            .Select(u => u.Id).ToListAsync(cancellationToken);
        foreach (var id in unhashed) queue.Enqueue(id);
    }

    private async Task HashAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<ChunkStore>();
        var ledger = scope.ServiceProvider.GetRequiredService<UploadLedger>();

        var upload = await db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId, cancellationToken);
        if (upload is not { Status: UploadStatus.Complete, Sha256: null }) return;

        var file = store.Finished(upload.UserId, upload.Id);
        await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1024 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        await ledger.SetSha256Async(upload.Id, hash, cancellationToken);
        LogHashed(logger, upload.Id, hash);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} has SHA-256 {Sha256}")]
    private static partial void LogHashed(ILogger logger, Guid uploadId, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hash upload {UploadId}")]
    private static partial void LogHashFailed(ILogger logger, Exception exception, Guid uploadId);
}
