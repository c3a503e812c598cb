using System.Globalization;
using System.Text;

namespace ChunkUploader.Benchmarks;

/// <summary>The results as an aligned text table for the console and a Markdown table for bench/results.</summary>
public static class ResultTable
{
    private static readonly string[] Headers =
        ["Scenario", "Target", "Rate", "Ratio to bare", "p50 chunk ms", "p99 chunk ms", "Final chunk ms", "CPU ms per unit", "Peak RSS MB", "Written / payload byte", "Note"];

    public static string Text(IReadOnlyList<ResultRow> rows)
    {
        var cells = rows.Select(Cells).Prepend(Headers).ToList();
        var widths = Enumerable.Range(0, Headers.Length).Select(c => cells.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var (row, index) in cells.Select((r, i) => (r, i)))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c is 0 or 1 or 10 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            if (index == 0) text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
        return text.ToString();
    }

    public static string Markdown(IReadOnlyList<ResultRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Join("|", Headers.Select((_, c) => c is 0 or 1 or 10 ? "---" : "---:")) + "|");
        foreach (var row in rows) text.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        return text.ToString();
    }

    private static string[] Cells(ResultRow row) =>
    [
        row.Scenario,
        row.Target,
        $"{Number(row.Rate)} {row.Unit}",
        row.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "",
        Number(row.P50Ms),
        Number(row.P99Ms),
        Number(row.FinalChunkMs),
        Number(row.CpuMsPerUnit),
        row.PeakRssBytes is { } rss ? (rss / 1e6).ToString("0", CultureInfo.InvariantCulture) : "",
        row.WrittenPerPayloadByte is { } written ? written.ToString("0.00", CultureInfo.InvariantCulture) : "",
        row.Note,
    ];

    /// <summary>Three significant figures, enough for numbers that drift ±50% between runs.</summary>
    private static string Number(double? value) => value switch
    {
        null => "",
        double.NaN => "",
        >= 1000 => value.Value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
