namespace ChunkUploader.Benchmarks;

/// <summary>One line of the results table. Empty cells are measurements that do not apply (e.g. memory of the in-process baseline).</summary>
public sealed record ResultRow(string Scenario, string Target, double Rate, string Unit)
{
    public double? Ratio { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? FinalChunkMs { get; init; }
    /// <summary>CPU time of the receiving process per MiB, request or file (the bare baseline's includes the benchmark's client).</summary>
    public double? CpuMsPerUnit { get; init; }
    public long? PeakRssBytes { get; init; }
    public double? WrittenPerPayloadByte { get; init; }
    public string Note { get; init; } = "";
}
