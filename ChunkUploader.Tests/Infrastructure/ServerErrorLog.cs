using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>Collects every error the app logs during the run, so that a 500 anywhere shows its exception and fails the run.</summary>
public sealed class ServerErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

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
