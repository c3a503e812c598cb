using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Runs the expiry and orphan sweeps every <see cref="UploadOptions.SweepInterval"/>. Safe on several instances at once: every change is conditional.</summary>
public sealed partial class UploadSweepWorker(IServiceScopeFactory scopes, UploadMetrics metrics, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadSweepWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        do
        {
            try
            {
                await SweepOnceAsync(scopes, metrics, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogSweepFailed(logger, exception);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sweep: idle uploads expire, then orphans go.</summary>
    public static async Task SweepOnceAsync(IServiceScopeFactory scopes, UploadMetrics metrics, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        metrics.Swept("expired", await scope.ServiceProvider.GetRequiredService<IdleUploadExpiry>().ExpireAsync(cancellationToken));
        metrics.Swept("orphan", await scope.ServiceProvider.GetRequiredService<OrphanSweep>().SweepAsync(cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The upload sweep failed; it runs again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
