using System.Globalization;

namespace ChunkUploader.Web.Services.History;

public static class Durations
{
    /// <summary>"850 ms", "42 s", "3 min 5 s", "2 h 4 min"; empty when unknown.</summary>
    public static string Format(double? seconds) => seconds switch
    {
        null => "",
        < 1 => $"{Math.Round(seconds.Value * 1000).ToString(CultureInfo.InvariantCulture)} ms",
        < 60 => $"{Math.Round(seconds.Value, 1).ToString(CultureInfo.InvariantCulture)} s",
        < 3600 => $"{(int)(seconds / 60)} min {(int)(seconds % 60)} s",
        _ => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60)} min",
    };
}
