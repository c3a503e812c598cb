using System.Diagnostics.Metrics;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>The upload pipeline's instruments, on the meter <c>ChunkUploader</c> that <c>/metrics</c> exports.</summary>
public sealed class UploadMetrics
{
    public const string MeterName = "ChunkUploader";

    private readonly Counter<long> _chunks;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _assemblies;
    private readonly Counter<long> _swept;
    private readonly Histogram<double> _chunkDuration;

    public UploadMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _chunks = meter.CreateCounter<long>("chunkuploader.chunks.received", "{chunk}", "Chunks recorded");
        _bytes = meter.CreateCounter<long>("chunkuploader.bytes.received", "By", "Chunk bytes recorded");
        _refusals = meter.CreateCounter<long>("chunkuploader.refusals", "{request}", "Upload requests refused, by status");
        _assemblies = meter.CreateCounter<long>("chunkuploader.assemblies", "{upload}", "Uploads finished, by result");
        _swept = meter.CreateCounter<long>("chunkuploader.sweep.removed", "{item}", "Items the sweep expired or removed, by kind");
        // In seconds, so the buckets must be too (the exporter's defaults are for milliseconds: every chunk fell in the first).
        _chunkDuration = meter.CreateHistogram<double>("chunkuploader.chunk.duration", "s", "Time to receive one chunk request", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    public void ChunkReceived(long bytes)
    {
        _chunks.Add(1);
        _bytes.Add(bytes);
    }

    public void Refused(int statusCode) => _refusals.Add(1, new KeyValuePair<string, object?>("status", statusCode));

    public void Assembled(AssemblyResult result) => _assemblies.Add(1, new KeyValuePair<string, object?>("result", result.GetType().Name));

    public void Swept(string kind, int count)
    {
        if (count > 0) _swept.Add(count, new KeyValuePair<string, object?>("kind", kind));
    }

    public void ChunkRequestTook(TimeSpan elapsed) => _chunkDuration.Record(elapsed.TotalSeconds);
}
