using System.Diagnostics;

namespace ChunkUploader.Benchmarks;

/// <summary>A receiver under measurement: the app (a child process), the bare baseline (this process) or another server.</summary>
public sealed record Target(string Name, ResumableClient Client, int ProcessId, bool IsApp)
{
    /// <summary>The processes whose CPU, writes and memory are the receiver's (gunicorn's master and workers).</summary>
    public IReadOnlyList<int> ProcessIds { get; init; } = [ProcessId];

    /// <summary>For a receiver other than the app, which has no API to ask: checks the SHA-256 of the files it stored.</summary>
    public Func<IReadOnlyCollection<BenchFile>, CancellationToken, Task<string>>? CheckStored { get; init; }

    /// <summary>Whether the receiver runs in processes of its own, so that their memory is its own.</summary>
    public bool Separate => ProcessId != Environment.ProcessId;
}

/// <summary>
/// The scenarios. Each one is bounded in work (a fixed number of bytes, files or seconds) and in time (the run's
/// cancellation token), and measures the receiving process's disk writes and peak memory over its own window.
/// </summary>
public sealed class Scenarios(CancellationToken cancellationToken)
{
    private static readonly TimeSpan HashWait = TimeSpan.FromMinutes(2);

    /// <summary>How long the page may take over its folder before the scenario reports what it had done.</summary>
    private static readonly TimeSpan PageLimit = TimeSpan.FromMinutes(5);

    /// <summary>One file in chunks of <see cref="BenchFile.ChunkSize"/>, 3 in flight: MiB/s, chunk latencies, final-chunk latency.</summary>
    public async Task<ResultRow> OneFileAsync(string scenario, Target target, BenchFile file)
    {
        FileRun run = null!;
        var note = "";
        var dropped = target.Client.DroppedConnections;
        var window = await MeasureAsync(target.ProcessIds,
            async () => run = await target.Client.UploadAsync(file, BenchSizes.InFlight, cancellationToken),
            // The app assembles and hashes after the final answer; its writes count, and the next scenario must not share the CPU with it.
            async () => note = await CheckAsync(target, [(file, run.UploadId)]));
        return FileRow(scenario, target.Name, file, run, window, target.Separate, note + Dropped(target, dropped));
    }

    /// <summary>One file to tus-node-server in chunks of <see cref="BenchFile.ChunkSize"/>, one PATCH at a time as tus clients send.</summary>
    public async Task<ResultRow> TusFileAsync(string scenario, TusNodeServer tus, BenchFile file)
    {
        using var client = new TusClient(tus.BaseAddress);
        (FileRun Run, Uri Location) upload = (null!, null!);
        var window = await MeasureAsync([tus.ProcessId], async () => upload = await client.UploadAsync(file, cancellationToken));
        var stored = await tus.StoredSha256Async(upload.Location, cancellationToken);
        var note = stored == file.Sha256 ? "1/1 SHA-256 ok (of the stored file), PATCHes one at a time" : "SHA-256 MISMATCH of the stored file";
        return FileRow(scenario, "tus-node-server 2.4 (file store)", file, upload.Run, window, withMemory: true, note);
    }

    private static ResultRow FileRow(string scenario, string target, BenchFile file, FileRun run, Window window, bool withMemory, string note) =>
        new(scenario, target, file.Size / (double)BenchSizes.MiB / window.Elapsed.TotalSeconds, "MiB/s")
        {
            P50Ms = run.Chunks.Percentile(50),
            P99Ms = run.Chunks.Percentile(99),
            FinalChunkMs = run.FinalChunk.TotalMilliseconds,
            CpuMsPerUnit = window.Cpu.TotalMilliseconds / (file.Size / (double)BenchSizes.MiB),
            PeakRssBytes = withMemory ? window.PeakRssBytes : null,
            WrittenPerPayloadByte = window.WrittenBytes / (double)file.Size,
            Note = note,
        };

    /// <summary>Signed-in testChunks GETs for a file the server does not hold (the common case: one before every chunk), <paramref name="concurrency"/> at once.</summary>
    public async Task<ResultRow> ProbesAsync(string scenario, Target target, TimeSpan duration, int concurrency)
    {
        var file = BenchFile.Random(10_000, BenchSizes.MiB, "probe.bin");
        long answered = 0;
        var dropped = target.Client.DroppedConnections;
        var window = await MeasureAsync(target.ProcessIds, async () =>
        {
            var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Stopwatch.GetTimestamp() < stopAt)
                {
                    if (await target.Client.ProbeAsync(file, 1, cancellationToken) is not null) Interlocked.Increment(ref answered);
                }
            }));
            return 0;
        });
        return new ResultRow(scenario, target.Name, answered / window.Elapsed.TotalSeconds, "req/s")
        {
            CpuMsPerUnit = window.Cpu.TotalMilliseconds / answered,
            PeakRssBytes = target.Separate ? window.PeakRssBytes : null,
            Note = $"{concurrency} concurrent, {duration.TotalSeconds:0} s{Dropped(target, dropped)}",
        };
    }

    /// <summary>For a row's note: how many of its requests lost their connection (probes not counted as answered, chunks sent again).</summary>
    private static string Dropped(Target target, int before) =>
        target.Client.DroppedConnections - before is > 0 and var count ? $"; {count} requests lost their connection (sent again, as Resumable.js does)" : "";

    /// <summary>Many one-chunk files, 3 files in flight (each a probe and a POST, as Resumable.js sends a folder): files/s.</summary>
    public async Task<ResultRow> SmallFilesAsync(string scenario, Target target, IReadOnlyList<BenchFile> files)
    {
        var latencies = new Latencies();
        var runs = new (BenchFile File, Guid? UploadId)[files.Count];
        var note = "";
        var dropped = target.Client.DroppedConnections;
        var window = await MeasureAsync(target.ProcessIds, async () =>
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, BenchSizes.InFlight).Select(async _ =>
            {
                for (var index = Interlocked.Increment(ref next); index < files.Count; index = Interlocked.Increment(ref next))
                {
                    var run = await target.Client.UploadAsync(files[index], 1, cancellationToken);
                    latencies.AddRange(run.Chunks);
                    runs[index] = (files[index], run.UploadId);
                }
            }));
            return 0;
        }, async () => note = await CheckAsync(target, runs));
        return new ResultRow(scenario, target.Name, files.Count / window.Elapsed.TotalSeconds, "files/s")
        {
            CpuMsPerUnit = window.Cpu.TotalMilliseconds / files.Count,
            P50Ms = latencies.Percentile(50),
            P99Ms = latencies.Percentile(99),
            PeakRssBytes = target.Separate ? window.PeakRssBytes : null,
            WrittenPerPayloadByte = window.WrittenBytes / (double)files.Sum(f => f.Size),
            Note = note + Dropped(target, dropped),
        };
    }

    /// <summary>
    /// Small files written to a temporary folder and chosen as a folder on the upload page in headless Chromium: files/s
    /// from handing the folder over to the batch summary saying all are done, and the page's longest main-thread task.
    /// </summary>
    public async Task<ResultRow> PageFolderAsync(string scenario, Target target, ChromiumUploadPage page, IReadOnlyList<BenchFile> files, string? profile = null)
    {
        var root = Directory.CreateTempSubdirectory("chunkuploader-bench-page-");
        try
        {
            var folder = root.CreateSubdirectory("photos");
            foreach (var file in files) await file.WriteToAsync(Path.Combine(folder.FullName, file.Name), cancellationToken);
            PageRun run = null!;
            var verified = "";
            var window = await MeasureAsync(target.ProcessIds,
                async () => run = await page.DropFolderAsync(folder.FullName, files.Count, PageLimit, cancellationToken, profile),
                async () =>
                {
                    // A run cut off at the limit is still sending; its files are not all there to verify.
                    if (!run.Finished) return;
                    // The page sends a folder's files with their path below the folder the person chose.
                    var paths = files.Select(file => $"{folder.Name}/{file.Name}").ToList();
                    var ids = await target.Client.CompleteUploadIdsAsync(paths, cancellationToken);
                    verified = await VerifyAsync(target, files.Select((file, n) => (file, ids.TryGetValue(paths[n], out var id) ? id : (Guid?)null)).ToList());
                });
            var figures = $"longest task {run.LongestTaskMs:0} ms, at most {run.MostRows} rows in the DOM (Chromium building the file list before: {run.FileListMs:0} ms)";
            return new ResultRow(scenario, target.Name, run.Done / run.Elapsed.TotalSeconds, "files/s")
            {
                CpuMsPerUnit = window.Cpu.TotalMilliseconds / Math.Max(run.Done, 1),
                PeakRssBytes = window.PeakRssBytes,
                WrittenPerPayloadByte = window.WrittenBytes / (double)files.Sum(f => f.Size),
                Note = run.Finished
                    ? $"{figures}; {verified}"
                    : $"TIMED OUT after {PageLimit.TotalMinutes:0} min with {run.Done} of {files.Count} done; {figures}",
            };
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>Several signed-in users at once, each sending its files one after another with 3 chunks in flight: aggregate MiB/s and p99.</summary>
    public async Task<ResultRow> ManyUsersAsync(string scenario, IReadOnlyList<Target> users, int filesPerUser, long fileBytes)
    {
        var latencies = new Latencies();
        var files = users.Select(_ => Enumerable.Range(0, filesPerUser).Select(n => BenchFile.Random(fileBytes, BenchSizes.MiB, $"user-file-{n}.bin")).ToList()).ToList();
        var runs = users.Select(_ => new List<(BenchFile, Guid?)>()).ToList();
        var verified = new List<string>();
        var window = await MeasureAsync(users[0].ProcessIds, async () =>
        {
            await Task.WhenAll(users.Select(async (user, u) =>
            {
                foreach (var file in files[u])
                {
                    var run = await user.Client.UploadAsync(file, BenchSizes.InFlight, cancellationToken);
                    latencies.AddRange(run.Chunks);
                    runs[u].Add((file, run.UploadId));
                }
            }));
            return 0;
        }, async () =>
        {
            foreach (var (user, u) in users.Select((user, u) => (user, u))) verified.Add(await VerifyAsync(user, runs[u]));
        });
        var total = files.Sum(f => f.Sum(file => file.Size));
        var wrong = verified.Where(v => !v.EndsWith(" SHA-256 ok", StringComparison.Ordinal)).ToList();
        return new ResultRow(scenario, users[0].Name, total / (double)BenchSizes.MiB / window.Elapsed.TotalSeconds, "MiB/s")
        {
            CpuMsPerUnit = window.Cpu.TotalMilliseconds / (total / (double)BenchSizes.MiB),
            P50Ms = latencies.Percentile(50),
            P99Ms = latencies.Percentile(99),
            PeakRssBytes = window.PeakRssBytes,
            WrittenPerPayloadByte = window.WrittenBytes / (double)total,
            Note = (wrong.Count == 0 ? $"{users.Count * filesPerUser}/{users.Count * filesPerUser} SHA-256 ok" : string.Join("; ", wrong))
                   + $"; every SHA-256 recorded {window.Settled.TotalSeconds:0.0} s after the last chunk's answer",
        };
    }

    /// <summary>Whether the app's recorded SHA-256 of every upload equals the bytes sent (so a fast but wrong receiver shows).</summary>
    private async Task<string> VerifyAsync(Target target, IReadOnlyCollection<(BenchFile File, Guid? UploadId)> runs)
    {
        var matched = 0;
        foreach (var (file, uploadId) in runs)
        {
            if (uploadId is not { } id) continue;
            if (await target.Client.WaitForSha256Async(id, HashWait, cancellationToken) == file.Sha256) matched++;
        }
        return matched == runs.Count ? $"{matched}/{runs.Count} SHA-256 ok" : $"SHA-256 MISMATCH or missing: {runs.Count - matched} of {runs.Count}";
    }

    /// <param name="Settled">How long the receiver took to finish after the timed work (the app: until every SHA-256 was recorded).</param>
    private sealed record Window(TimeSpan Elapsed, long WrittenBytes, long? PeakRssBytes, TimeSpan Cpu, TimeSpan Settled);

    /// <summary>
    /// Times <paramref name="work"/>, then lets the receiver finish (<paramref name="settle"/>, not timed) before reading how much it
    /// wrote and its peak RSS over the window.
    /// </summary>
    private static async Task<Window> MeasureAsync<T>(IReadOnlyList<int> pids, Func<Task<T>> work, Func<Task>? settle = null)
    {
        // Where the kernel refuses the reset the peak is the process's peak so far; Program says so in the results.
        foreach (var pid in pids) ProcessIo.ResetPeak(pid);
        var writtenBefore = pids.Sum(ProcessIo.WriteBytes);
        var cpuBefore = Cpu(pids);
        var started = Stopwatch.GetTimestamp();
        await work();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = Cpu(pids) - cpuBefore;
        var settling = Stopwatch.GetTimestamp();
        if (settle is not null) await settle();
        // Several processes: the sum of their peaks, an upper bound of their peak together.
        return new Window(elapsed, pids.Sum(ProcessIo.WriteBytes) - writtenBefore, pids.Sum(ProcessIo.PeakResidentBytes), cpu, Stopwatch.GetElapsedTime(settling));
    }

    private static TimeSpan Cpu(IReadOnlyList<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + ProcessIo.CpuTime(pid));

    /// <summary>The row's note on what was stored: the app's SHA-256 through its API, another server's from its files, none for the bare receiver.</summary>
    private async Task<string> CheckAsync(Target target, IReadOnlyCollection<(BenchFile File, Guid? UploadId)> runs) =>
        target.IsApp ? await VerifyAsync(target, runs)
        : target.CheckStored is { } check ? await check(runs.Select(run => run.File).ToList(), cancellationToken)
        : "";
}
