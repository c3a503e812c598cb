using System.Globalization;

namespace ChunkUploader.Web.Presentation;

/// <summary>A count with its noun in the right number: "1 upload", "2 uploads", "1,024 uploads".</summary>
public static class Counts
{
    public static string Of(long count, string singular, string? plural = null) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural ?? singular + "s");
}
