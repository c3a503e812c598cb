using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>Collects every error the app logs during the run, so that a 500 anywhere shows its exception and fails the run.</summary>
public sealed class ServerErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Removes and returns the errors containing <paramref name="text"/>: a test that provokes an error on purpose
    /// checks that it was logged, and it then does not fail the run. (Test classes do not run in parallel.)</summary>
    public IReadOnlyList<string> Take(string text)
    {
        var taken = new List<string>();
        var kept = new List<string>();
        while (Errors.TryDequeue(out var error)) (error.Contains(text, StringComparison.Ordinal) ? taken : kept).Add(error);
        foreach (var error in kept) Errors.Enqueue(error);
        return taken;
    }

    public void Dispose() { }

    private sealed class Logger(ServerErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log.Errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
