using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// The claimed background work of an upload's last steps: finishing stalled assemblies and hashing complete files.
/// Runs at start, every <see cref="UploadOptions.RecoveryInterval"/>, and at once when this instance completes a file.
/// </summary>
public sealed partial class UploadRecoveryWorker(IServiceScopeFactory scopes, UploadWorkSignal signal, IOptions<UploadOptions> options, ILogger<UploadRecoveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<AssemblyRecovery>().FinishStalledAsync(stoppingToken);
                await scope.ServiceProvider.GetRequiredService<UploadHasher>().HashPendingAsync(stoppingToken);
                await signal.WaitAsync(options.Value.RecoveryInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogFailed(logger, exception);
                await Task.Delay(options.Value.RecoveryInterval, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload recovery work failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
