using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Logging;

/// <summary>Whether every request gets one access log line. Bound from <c>Logging:AccessLog</c>.</summary>
public sealed record AccessLogOptions
{
    public const string Section = "Logging:AccessLog";

    public bool Enabled { get; init; } = true;
}

/// <summary>
/// Logs for production: one JSON object per line on the console (what journald, Docker and log shippers ingest), with
/// the request's user id, path and upload id as scope fields on every line, and one access line per request.
/// Nothing here ever logs a header value, a cookie or a query string: reset links and return URLs carry tokens there.
/// </summary>
public static partial class ProductionLogging
{
    public static WebApplicationBuilder AddProductionLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccessLogOptions>().Bind(builder.Configuration.GetSection(AccessLogOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Environment.IsDevelopment()) return builder;
        builder.Logging.ClearProviders();
        // Nothing reads the trace and span ids the host would add to every line: requests are told apart by RequestId.
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.None);
        // Only when the app owns the process: a host that runs it in-process (a test runner) keeps its own Console.Out.
        if (Assembly.GetEntryAssembly() == typeof(ProductionLogging).Assembly)
        {
            var output = new BatchedStandardOutput(Console.OpenStandardOutput());
            Console.SetOut(output);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => output.Flush();
            builder.Services.AddSingleton(output);
        }
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
        return builder;
    }

    /// <summary>Put first in the pipeline, so that the line carries the final status, also of an error page.</summary>
    public static IApplicationBuilder UseAccessLog(this IApplicationBuilder app) => app.UseMiddleware<AccessLogMiddleware>();

    private sealed partial class AccessLogMiddleware(RequestDelegate next, ILogger<AccessLogMiddleware> logger, IOptions<AccessLogOptions> options,
        IOptions<ConsoleLoggerOptions> console, BatchedStandardOutput? output = null)
    {
        // The JSON console's access line, written straight to the batched output: through the logger, the same line cost
        // a third of a probe's time (formatted twice over with every scope, then handed to the console's own thread).
        private static readonly string Category = typeof(AccessLogMiddleware).FullName!.Replace('+', '.');

        private readonly BatchedStandardOutput? _direct = console.Value.FormatterName == ConsoleFormatterNames.Json ? output : null;

        public async Task InvokeAsync(HttpContext context)
        {
            using var scope = logger.BeginScope(new RequestScope(context));
            if (!options.Value.Enabled)
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var line = new AccessLine(context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, UserId(context) ?? "-", context.Connection.RemoteIpAddress?.ToString() ?? "-");
                if (_direct is not null && logger.IsEnabled(LogLevel.Information))
                    line.WriteJson(_direct, Category, context, DateTime.UtcNow);
                else
                    LogRequest(logger, line.Method, line.Path, line.StatusCode, line.DurationMs, line.UserId, line.RemoteAddress);
            }
        }

        [LoggerMessage(EventId = AccessLine.EventId, EventName = "Request", Level = LogLevel.Information, Message = AccessLine.Format)]
        private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double durationMs, string userId, string remoteAddress);
    }

    internal static string? UserId(HttpContext context) => context.User.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>The request's own scope fields; the host's scope already carries its path and id.</summary>
    internal static KeyValuePair<string, object?>[] ScopeFields(HttpContext context)
    {
        var userId = UserId(context);
        var uploadId = context.GetRouteValue("id") is string id && Guid.TryParse(id, out var parsed) ? parsed : (Guid?)null;
        return (userId, uploadId) switch
        {
            (null, null) => [],
            (_, null) => [new("UserId", userId)],
            (null, _) => [new("UploadId", uploadId)],
            _ => [new("UserId", userId), new("UploadId", uploadId)],
        };
    }

    /// <summary>
    /// Scope fields read when a line is written, not when the request starts: by then authentication has run, so every
    /// line of an authenticated request carries its user id, and routed pages their upload id.
    /// </summary>
    private sealed class RequestScope(HttpContext context) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private KeyValuePair<string, object?>[] Fields() => ScopeFields(context);

        public int Count => Fields().Length;
        public KeyValuePair<string, object?> this[int index] => Fields()[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Fields()).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => string.Join(", ", Fields().Select(f => $"{f.Key}:{f.Value}"));
    }
}
