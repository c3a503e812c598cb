namespace ChunkUploader.Benchmarks;

/// <summary>Request latencies in milliseconds, safe to add to from several workers.</summary>
public sealed class Latencies
{
    private readonly List<double> _milliseconds = [];

    public void Add(TimeSpan elapsed)
    {
        lock (_milliseconds) _milliseconds.Add(elapsed.TotalMilliseconds);
    }

    public void AddRange(Latencies other)
    {
        lock (other._milliseconds) lock (_milliseconds) _milliseconds.AddRange(other._milliseconds);
    }

    public int Count
    {
        get { lock (_milliseconds) return _milliseconds.Count; }
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0–100); NaN when nothing was recorded.</summary>
    public double Percentile(double p)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0) return double.NaN;
            var sorted = _milliseconds.Order().ToList();
            var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
        }
    }
}
