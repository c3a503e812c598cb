using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ChunkUploader.Web.Logging;

/// <summary>One request's access line: what the log says about it, as a message and as the message's fields.</summary>
public readonly record struct AccessLine(string Method, string Path, int StatusCode, double DurationMs, string UserId, string RemoteAddress)
{
    public const int EventId = 1;
    public const string Format = "{Method} {Path} {StatusCode} in {DurationMs:0.0} ms, user {UserId}, from {RemoteAddress}";

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    /// <summary>The message, as <see cref="Format"/> renders it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Method} {Path} {StatusCode} in {DurationMs:0.0} ms, user {UserId}, from {RemoteAddress}");

    /// <summary>
    /// Writes the line as the JSON console formats a log line (Timestamp, EventId, LogLevel, Category, Message, the
    /// fields under State, the request's scope under Scopes), without a second rendering of the message or the
    /// host's scope objects.
    /// </summary>
    public void WriteJson(BatchedStandardOutput output, string category, HttpContext context, DateTime utcNow)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);

        Span<char> timestamp = stackalloc char[32];
        json.WriteStartObject();
        json.WriteString("Timestamp", utcNow.TryFormat(timestamp, out var written, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ? timestamp[..written] : []);
        json.WriteNumber("EventId", EventId);
        json.WriteString("LogLevel", "Information");
        json.WriteString("Category", category);
        json.WriteString("Message", ToString());
        json.WriteStartObject("State");
        json.WriteString("Method", Method);
        json.WriteString("Path", Path);
        json.WriteNumber("StatusCode", StatusCode);
        json.WriteNumber("DurationMs", DurationMs);
        json.WriteString("UserId", UserId);
        json.WriteString("RemoteAddress", RemoteAddress);
        json.WriteString("{OriginalFormat}", Format);
        json.WriteEndObject();
        json.WriteStartArray("Scopes");
        json.WriteStartObject();
        json.WriteString("RequestId", context.TraceIdentifier);
        json.WriteString("RequestPath", Path);
        foreach (var (key, value) in ProductionLogging.ScopeFields(context))
            json.WriteString(key, value?.ToString());
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteLine(buffer.WrittenSpan);
    }
}
