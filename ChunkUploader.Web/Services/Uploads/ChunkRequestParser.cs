using System.Globalization;
using System.Text;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using Microsoft.Extensions.Options;
using P = ChunkUploader.Web.Services.Uploads.ResumableParameters;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Turns raw Resumable.js parameters into a <see cref="ChunkRequest"/>. Each protocol rule is one named check
/// that yields one precise message; the first that fails decides the answer.
/// </summary>
public sealed class ChunkRequestParser(IOptions<UploadOptions> options)
{
    private readonly UploadOptions _limits = options.Value;

    public Outcome<ChunkRequest> Parse(Func<string, string?> parameter)
    {
        if (Whole(parameter, P.ChunkNumber, out var chunkNumber) is { } r1) return r1;
        if (Whole(parameter, P.ChunkSize, out var chunkSize) is { } r2) return r2;
        if (Whole(parameter, P.CurrentChunkSize, out var currentChunkSize) is { } r3) return r3;
        if (Whole(parameter, P.TotalSize, out var totalSize) is { } r4) return r4;
        if (Whole(parameter, P.TotalChunks, out var totalChunks) is { } r5) return r5;
        if (Text(parameter, P.Identifier, UploadLimits.MaxIdentifierLength, required: true, out var identifier) is { } r6) return r6;
        if (Text(parameter, P.FileName, UploadLimits.MaxFileNameLength, required: true, out var fileName) is { } r7) return r7;
        if (Text(parameter, P.RelativePath, UploadLimits.MaxRelativePathLength, required: false, out var relativePath) is { } r8) return r8;
        if (Text(parameter, P.Type, UploadLimits.MaxContentTypeLength, required: false, out var type) is { } r9) return r9;

        if (ExtensionAllowed(fileName) is { } r10) return r10;
        if (ChunkSizeWithinLimits(chunkSize) is { } r11) return r11;
        if (TotalSizeWithinLimit(totalSize) is { } r12) return r12;
        if (LayoutFromTotalChunks(totalSize, chunkSize, totalChunks, chunkNumber, out var layout) is { } r13) return r13;
        if (ChunkNumberInRange(chunkNumber, layout) is { } r14) return r14;
        if (CurrentChunkSizeMatches((int)chunkNumber, currentChunkSize, layout) is { } r15) return r15;

        return new ChunkRequest((int)chunkNumber, layout, identifier, fileName, relativePath, type);
    }

    /// <summary>The <c>resumableIdentifier</c> alone, by the same rules as in a chunk request, for the requests that only name an upload.</summary>
    public static Outcome<string> ParseIdentifier(Func<string, string?> parameter) =>
        Text(parameter, P.Identifier, UploadLimits.MaxIdentifierLength, required: true, out var identifier) is { } rejection ? rejection : identifier;

    private static Rejection? Whole(Func<string, string?> parameter, string name, out long value)
    {
        value = 0;
        var raw = parameter(name);
        if (string.IsNullOrEmpty(raw))
            return Rejection.BadRequest($"{name} is missing.");
        if (!long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value))
            return Rejection.BadRequest($"{name} must be a whole number, not '{Shorten(raw)}'.");
        return null;
    }

    private static Rejection? Text(Func<string, string?> parameter, string name, int maxLength, bool required, out string value)
    {
        value = parameter(name) ?? "";
        if (required && string.IsNullOrWhiteSpace(value))
            return Rejection.BadRequest($"{name} is missing.");
        if (HasUnpairedSurrogate(value))
            return Rejection.BadRequest($"{name} is not valid Unicode text.");
        if (value.EnumerateRunes().FirstOrDefault(IsNoncharacter) is { Value: not 0 } noncharacter)
            return Rejection.BadRequest($"{name} contains U+{noncharacter.Value:X4}, a Unicode noncharacter; rename the file without it.");
        // One spelling per name: "é" typed as one character or as e plus an accent is the same name. The identifier
        // is a lookup key that other endpoints read as sent, so it stays as it is.
        if (name != P.Identifier) value = value.Normalize(NormalizationForm.FormC);
        if (value.Length > maxLength)
            return Rejection.BadRequest($"{name} is longer than {maxLength} characters.");
        if (value.Any(char.IsControl))
            return Rejection.BadRequest($"{name} contains control characters.");
        // Bidi overrides make "invoice\u202Efdp.exe" show as "invoiceexe.pdf"; zero-width and other format
        // characters hide what a name really is. None belongs in a file name.
        if (value.FirstOrDefault(c => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format) is var format and not '\0')
            return Rejection.BadRequest($"{name} contains the invisible formatting character U+{(int)format:X4}{(IsBidiControl(format) ? " (a bidirectional text control)" : "")}; rename the file without it.");
        return null;
    }

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';

    /// <summary>Code points Unicode reserves as never being characters; normalisation throws on U+FFFE.</summary>
    private static bool IsNoncharacter(Rune rune) => rune.Value is >= 0xFDD0 and <= 0xFDEF || (rune.Value & 0xFFFE) == 0xFFFE;

    /// <summary>Normalisation throws on half a surrogate pair; such text cannot be a name.</summary>
    private static bool HasUnpairedSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
            else if (char.IsSurrogate(value[i])) return true;
        }
        return false;
    }

    private Rejection? ExtensionAllowed(string fileName)
    {
        if (_limits.AllowedExtensions.Length == 0) return null;
        // At the end of the name, as Resumable.js's fileType check matches: an extension may have two parts (tar.gz).
        if (_limits.AllowedExtensions.Any(allowed => fileName.EndsWith("." + allowed, StringComparison.OrdinalIgnoreCase))) return null;
        var extension = Path.GetExtension(fileName).TrimStart('.');
        return Rejection.UnsupportedMediaType(
            $"Files of type '{(extension.Length == 0 ? "(none)" : "." + extension)}' are not accepted; allowed: {string.Join(", ", _limits.AllowedExtensions.Select(e => "." + e))}.");
    }

    private Rejection? ChunkSizeWithinLimits(long chunkSize) =>
        chunkSize < _limits.MinChunkSize || chunkSize > _limits.MaxChunkSize
            ? Rejection.BadRequest($"{P.ChunkSize} {chunkSize} is outside the accepted range of {_limits.MinChunkSize} to {_limits.MaxChunkSize} bytes.")
            : null;

    private Rejection? TotalSizeWithinLimit(long totalSize) =>
        totalSize > _limits.MaxFileSize
            ? Rejection.TooLarge($"The file is {ByteSize.Format(totalSize)} ({totalSize} bytes); the largest file accepted is {ByteSize.Format(_limits.MaxFileSize)} ({_limits.MaxFileSize} bytes).")
            : null;

    private static Rejection? LayoutFromTotalChunks(long totalSize, long chunkSize, long totalChunks, long chunkNumber, out ChunkLayout layout)
    {
        var match = ChunkLayout.FromClientCount(totalSize, chunkSize, totalChunks);
        layout = match ?? new ChunkLayout(totalSize, chunkSize, ForceChunkSize: false);
        if (match is not null) return null;
        var forced = layout with { ForceChunkSize = true };
        // Resumable.js 1.1.0 makes a file's chunks one timer at a time, and a request sent meanwhile carries the count
        // made so far: short of the whole, but never short of its own chunk.
        if (chunkNumber >= 1 && chunkNumber <= totalChunks && totalChunks < layout.ChunkCount)
            return layout.ChunkCount == forced.ChunkCount
                ? null
                : Rejection.Busy($"{P.TotalChunks} {totalChunks} is short of this file's {layout.ChunkCount} chunks ({forced.ChunkCount} with forceChunkSize): " +
                                 "the client was still counting them, so which rule it cuts by is not known yet. Send it again.", TimeSpan.FromSeconds(1));
        var expected = layout.ChunkCount == forced.ChunkCount
            ? $"{layout.ChunkCount}"
            : $"{layout.ChunkCount}, or {forced.ChunkCount} with forceChunkSize";
        return Rejection.BadRequest($"{P.TotalChunks} {totalChunks} does not fit a file of {totalSize} bytes in chunks of {chunkSize} bytes (expected {expected}).");
    }

    private static Rejection? ChunkNumberInRange(long chunkNumber, ChunkLayout layout) =>
        chunkNumber < 1 || chunkNumber > layout.ChunkCount
            ? Rejection.BadRequest($"{P.ChunkNumber} {chunkNumber} is outside 1..{layout.ChunkCount}.")
            : null;

    private static Rejection? CurrentChunkSizeMatches(int chunkNumber, long currentChunkSize, ChunkLayout layout) =>
        currentChunkSize != layout.SizeOf(chunkNumber)
            ? Rejection.BadRequest($"{P.CurrentChunkSize} {currentChunkSize} is wrong: chunk {chunkNumber} of this file is {layout.SizeOf(chunkNumber)} bytes.")
            : null;

    private static string Shorten(string raw) => raw.Length <= 20 ? raw : raw[..20] + "…";
}
