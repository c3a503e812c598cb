using ChunkUploader.Web.Options;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Reads a Resumable.js upload request up to the first byte of the chunk, without buffering the chunk:
/// <c>multipart</c> (parameters in the query and as form fields before the <c>file</c> part) or <c>octet</c>
/// (parameters in the query, the body is the chunk).
/// </summary>
public sealed class ChunkRequestReader(ChunkRequestParser parser, IOptions<UploadOptions> options, TimeProvider clock)
{
    public const string FilePartName = "file";
    private const int MaxFieldLength = 4096;
    private const int MaxFieldsBeforeFile = 32;

    public Outcome<ChunkRequest> ReadProbe(HttpRequest request) => parser.Parse(FromQuery(request));

    /// <summary>The <c>resumableIdentifier</c> alone, for the status and cancel requests that name an upload.</summary>
    public static Outcome<string> ReadIdentifier(HttpRequest request) => ChunkRequestParser.ParseIdentifier(FromQuery(request));

    public const string ChecksumHeader = "X-Chunk-Checksum";
    public const string ContinuesHeader = "X-Upload-Continues";

    public async Task<Outcome<IncomingChunk>> ReadUploadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var arrivedAt = clock.GetUtcNow().UtcDateTime;
        var checksum = ReadChecksum(request);
        if (checksum.Rejection is { } badChecksum) return badChecksum;
        var continues = ReadContinues(request);
        if (continues.Rejection is { } badContinues) return badContinues;
        var incoming = await ReadChunkAsync(request, arrivedAt, cancellationToken);
        return incoming.Rejection is { } rejection ? rejection : incoming.Value! with { Checksum = checksum.Value, Continues = continues.Value };
    }

    /// <summary><c>X-Upload-Continues: true</c>: the sender had another chunk of this file acknowledged, so its upload must exist.</summary>
    private static Outcome<bool> ReadContinues(HttpRequest request)
    {
        var header = request.Headers[ContinuesHeader].ToString();
        if (header.Length == 0) return false;
        if (header.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
        return Rejection.BadRequest($"{ContinuesHeader} must be 'true' when it is sent.");
    }

    /// <summary><c>X-Chunk-Checksum: sha256=&lt;base64&gt;</c>; absent is fine, malformed is the sender's bug.</summary>
    private static Outcome<byte[]?> ReadChecksum(HttpRequest request)
    {
        var header = request.Headers[ChecksumHeader].ToString();
        if (header.Length == 0) return (byte[]?)null;
        const string prefix = "sha256=";
        var digest = new byte[32];
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
               && Convert.TryFromBase64String(header[prefix.Length..], digest, out var written) && written == digest.Length
            ? digest
            : Rejection.BadRequest($"{ChecksumHeader} must be 'sha256=' followed by the base64 of a 32-byte SHA-256 digest.");
    }

    private async Task<Outcome<IncomingChunk>> ReadChunkAsync(HttpRequest request, DateTime arrivedAt, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
            return Unsupported();
        if (contentType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            return ReadOctet(request, arrivedAt);
        if (contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return await ReadMultipartAsync(request, contentType, arrivedAt, cancellationToken);
        return Unsupported();
    }

    private Outcome<IncomingChunk> ReadOctet(HttpRequest request, DateTime arrivedAt)
    {
        var parsed = parser.Parse(FromQuery(request));
        if (parsed.Rejection is { } rejection) return rejection;
        var chunk = parsed.Value!;
        if (request.ContentLength is { } length && length != chunk.Length)
            return Rejection.BadRequest($"The request body has {length} bytes; chunk {chunk.ChunkNumber} of this file is {chunk.Length} bytes.");
        return new IncomingChunk(chunk, request.Body, null) { ArrivedAt = arrivedAt };
    }

    private async Task<Outcome<IncomingChunk>> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue contentType, DateTime arrivedAt, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
            return Rejection.BadRequest("The multipart request has no valid boundary.");

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = options.Value.MaxRequestBodySize };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var sections = 0; sections <= MaxFieldsBeforeFile; sections++)
        {
            var section = await reader.ReadNextSectionAsync(cancellationToken);
            if (section is null) break;
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                return Rejection.BadRequest("Every multipart section must be form-data.");

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (disposition.IsFileDisposition())
            {
                if (name != FilePartName)
                    return Rejection.BadRequest($"The chunk must be sent in a part named '{FilePartName}', not '{name}'.");
                var query = FromQuery(request);
                var parsed = parser.Parse(key => query(key) ?? fields.GetValueOrDefault(key));
                if (parsed.Rejection is { } rejection) return rejection;
                return new IncomingChunk(parsed.Value!, section.Body, null, async token => await reader.ReadNextSectionAsync(token) is null
                    ? null
                    : Rejection.BadRequest($"The request has a part after the '{FilePartName}' part; send the chunk as the last and only file part.")) { ArrivedAt = arrivedAt };
            }

            if (ResumableParameters.All.Contains(name))
            {
                var value = await ReadFieldAsync(section.Body, cancellationToken);
                if (value is null) return Rejection.BadRequest($"The form field {name} is longer than {MaxFieldLength} characters.");
                fields[name] = value;
            }
        }
        return Rejection.BadRequest($"The request has no '{FilePartName}' part carrying the chunk.");
    }

    private static Func<string, string?> FromQuery(HttpRequest request) => name => request.Query[name].FirstOrDefault();

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new char[MaxFieldLength + 1];
        using var text = new StreamReader(body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await text.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        return length > MaxFieldLength ? null : new string(buffer, 0, length);
    }

    private static Rejection Unsupported() =>
        Rejection.UnsupportedMediaType("Send the chunk as multipart/form-data with a 'file' part, or as application/octet-stream.");
}
