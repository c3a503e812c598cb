namespace ChunkUploader.Benchmarks;

/// <summary>How big each scenario is: the full run the README quotes, or a quick one for development.</summary>
public sealed record BenchSizes(
    string Mode, long BigFileBytes, long HugeFileBytes, int SmallFiles, int SmallFileBytes, TimeSpan ProbeDuration, int ProbeConcurrency,
    int Users, int FilesPerUser, long UserFileBytes, int PageFiles, int Rounds)
{
    public const long MiB = 1024 * 1024;

    public static readonly BenchSizes Full = new("full", 256 * MiB, 4096 * MiB, 1000, 10_000, TimeSpan.FromSeconds(5), 16, 50, 3, 8 * MiB, 5000, 3);

    public static readonly BenchSizes Quick = new("quick", 32 * MiB, 512 * MiB, 200, 10_000, TimeSpan.FromSeconds(2), 16, 5, 2, 4 * MiB, 300, 1);

    /// <summary>Resumable.js's simultaneousUploads, as the page configures it.</summary>
    public const int InFlight = 3;
}
