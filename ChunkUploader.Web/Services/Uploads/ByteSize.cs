using System.Globalization;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Human-readable byte counts for messages and pages (binary units, as file managers show them).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["bytes", "KiB", "MiB", "GiB", "TiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024) return bytes == 1 ? "1 byte" : $"{bytes} bytes";
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1) { value /= 1024; unit++; }
        return value.ToString(value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
