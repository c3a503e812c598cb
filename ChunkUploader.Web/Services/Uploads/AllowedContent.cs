using ChunkUploader.Web.Options;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// <see cref="UploadOptions.AllowedTypes"/>: a file's type is judged by its extension when the upload starts, and by its
/// leading bytes (magic numbers) once assembled, so that a renamed executable does not pass as a picture.
/// </summary>
public sealed class AllowedContent(IOptions<UploadOptions> options)
{
    /// <summary>How many leading bytes <see cref="Sniff"/> needs.</summary>
    public const int SniffLength = 16;

    private static readonly FileExtensionContentTypeProvider Extensions = new();

    private static readonly (string Type, int Offset, byte[] Magic)[] Signatures =
    [
        ("image/jpeg", 0, [0xFF, 0xD8, 0xFF]),
        ("image/png", 0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("image/gif", 0, "GIF8"u8.ToArray()),
        ("image/webp", 8, "WEBP"u8.ToArray()),
        ("image/bmp", 0, "BM"u8.ToArray()),
        ("image/tiff", 0, [0x49, 0x49, 0x2A, 0x00]),
        ("image/tiff", 0, [0x4D, 0x4D, 0x00, 0x2A]),
        ("image/x-icon", 0, [0x00, 0x00, 0x01, 0x00]),
        ("application/pdf", 0, "%PDF-"u8.ToArray()),
        ("application/zip", 0, [0x50, 0x4B, 0x03, 0x04]),
        ("application/gzip", 0, [0x1F, 0x8B]),
        ("video/mp4", 4, "ftyp"u8.ToArray()),
        ("application/x-executable", 0, [0x7F, 0x45, 0x4C, 0x46]),
        ("application/x-msdownload", 0, "MZ"u8.ToArray()),
    ];

    private readonly string[] _allowed = options.Value.AllowedTypes;

    public bool RestrictsTypes => _allowed.Length > 0;

    /// <summary>The type a file name claims by its extension.</summary>
    public static string TypeOfName(string fileName) =>
        Extensions.TryGetContentType(fileName, out var type) ? type : "application/octet-stream";

    /// <summary>The type the leading bytes reveal, or null when they match no known signature.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        foreach (var (type, offset, magic) in Signatures)
            if (head.Length >= offset + magic.Length && head.Slice(offset, magic.Length).SequenceEqual(magic))
                return type;
        return null;
    }

    public Rejection? CheckName(string fileName)
    {
        if (!RestrictsTypes) return null;
        var type = TypeOfName(fileName);
        return IsAllowed(type) ? null : Rejection.UnsupportedMediaType($"Files of type {type} are not accepted; allowed: {string.Join(", ", _allowed)}.");
    }

    /// <summary>Checks the assembled file's leading bytes: a known signature must be an allowed type; bytes with no known
    /// signature pass only when the name's type is allowed and is not one whose signature is known (plain text, CSV…).</summary>
    public string? CheckContent(string fileName, ReadOnlySpan<byte> head)
    {
        if (!RestrictsTypes) return null;
        var named = TypeOfName(fileName);
        if (Sniff(head) is { } detected)
            return IsAllowed(detected) ? null : $"The file's content is {detected}, which is not accepted.";
        return IsAllowed(named) && Signatures.All(s => s.Type != named)
            ? null
            : $"The file's content does not look like {named}.";
    }

    private bool IsAllowed(string type) => _allowed.Any(pattern =>
        pattern.EndsWith("/*", StringComparison.Ordinal)
            ? type.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : type.Equals(pattern, StringComparison.OrdinalIgnoreCase));
}
