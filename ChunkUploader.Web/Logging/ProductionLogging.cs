using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.Json;

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
        // Console writes stdout through a 256-byte buffer: a JSON line with its scopes (about 1 KB) took five write calls.
        // Only when the app owns the process: a host that runs it in-process (a test runner) keeps its own Console.Out.
        if (Assembly.GetEntryAssembly() == typeof(ProductionLogging).Assembly)
            Console.SetOut(TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 16 * 1024) { AutoFlush = true }));
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

    private sealed partial class AccessLogMiddleware(RequestDelegate next, ILogger<AccessLogMiddleware> logger, Microsoft.Extensions.Options.IOptions<AccessLogOptions> options)
    {
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
                LogRequest(logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, UserId(context) ?? "-", context.Connection.RemoteIpAddress?.ToString() ?? "-");
            }
        }

        [LoggerMessage(EventId = 1, EventName = "Request", Level = LogLevel.Information,
            Message = "{Method} {Path} {StatusCode} in {DurationMs:0.0} ms, user {UserId}, from {RemoteAddress}")]
        private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double durationMs, string userId, string remoteAddress);
    }

    private static string? UserId(HttpContext context) => context.User.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>
    /// Scope fields read when a line is written, not when the request starts: by then authentication has run, so every
    /// line of an authenticated request carries its user id, and routed pages their upload id.
    /// </summary>
    private sealed class RequestScope(HttpContext context) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private KeyValuePair<string, object?>[] Fields()
        {
            // The host's own scope already carries the request path and id.
            var fields = new List<KeyValuePair<string, object?>>(2);
            if (UserId(context) is { } userId) fields.Add(new("UserId", userId));
            if (context.GetRouteValue("id") is string id && Guid.TryParse(id, out var uploadId)) fields.Add(new("UploadId", uploadId));
            return [.. fields];
        }

        public int Count => Fields().Length;
        public KeyValuePair<string, object?> this[int index] => Fields()[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Fields()).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => string.Join(", ", Fields().Select(f => $"{f.Key}:{f.Value}"));
    }
}
