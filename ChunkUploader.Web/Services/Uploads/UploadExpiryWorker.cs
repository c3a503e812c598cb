using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Runs <see cref="UploadExpiry"/> every <see cref="UploadOptions.SweepInterval"/>. Safe on several instances at once: every change is conditional.</summary>
public sealed partial class UploadExpiryWorker(IServiceScopeFactory scopes, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadExpiryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<UploadExpiry>().SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogSweepFailed(logger, exception);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The upload expiry sweep failed; it runs again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
