using System.Collections.Concurrent;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Logs refused upload requests at Information with the user and the reason, at most <see cref="PerMinute"/> lines a
/// minute per user: a client that repeats a refused request as fast as it can must not flood the log.
/// </summary>
public sealed partial class RefusalLog(TimeProvider clock, ILogger<RefusalLog> logger)
{
    public const int PerMinute = 20;

    private readonly ConcurrentDictionary<string, Window> _windows = new();

    public void Refused(string? userId, string method, int statusCode, string reason)
    {
        var key = userId ?? "(anonymous)";
        var now = clock.GetUtcNow();
        var window = _windows.AddOrUpdate(key,
            _ => new Window(now, 1, 0),
            (_, current) => now - current.Start >= TimeSpan.FromMinutes(1) ? new Window(now, 1, current.Count - PerMinute) : current with { Count = current.Count + 1 });
        if (window.Count == 1 && window.Suppressed > 0) LogSuppressed(logger, key, window.Suppressed);
        if (window.Count <= PerMinute) LogRefused(logger, key, method, statusCode, reason);
        if (_windows.Count > 10_000) _windows.Clear(); // bounded memory; at worst a few extra lines
    }

    private sealed record Window(DateTimeOffset Start, int Count, int Suppressed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {Method} by {UserId} refused with {StatusCode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, string method, int statusCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Suppressed} further refusals of {UserId} in the last minute were not logged")]
    private static partial void LogSuppressed(ILogger logger, string userId, int suppressed);
}
