using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace ChunkUploader.Web.Controllers;

/// <summary>
/// The <c>Content-Disposition</c> of a download: always <c>attachment</c> (never shown inline), an ASCII
/// <c>filename</c> every client understands, and the real name as RFC 5987 <c>filename*</c>.
/// </summary>
public static class AttachmentDisposition
{
    private const string Fallback = "download";

    /// <summary>The header for a file whose original name (or relative path) was <paramref name="originalName"/>.</summary>
    public static string For(string originalName)
    {
        var name = DisplayName(originalName);
        return new ContentDispositionHeaderValue("attachment") { FileName = AsciiName(name), FileNameStar = name }.ToString();
    }

    /// <summary>The last path segment, without format characters (bidi overrides could disguise the extension); "download" when nothing is left.</summary>
    private static string DisplayName(string originalName)
    {
        var segment = Path.GetFileName(originalName.Replace('\\', '/').TrimEnd('/', ' '));
        var visible = new string(segment.Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format).ToArray()).Trim();
        return visible.Trim('.').Length == 0 ? Fallback : visible;
    }

    /// <summary>Accents dropped where that keeps the letter (é → e), anything else outside printable ASCII or special in a header becomes '_'.</summary>
    private static string AsciiName(string name)
    {
        var ascii = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            ascii.Append(c is >= ' ' and <= '~' and not ('"' or '\\' or '%' or ';') ? c : '_');
        }
        return ascii.ToString();
    }
}
