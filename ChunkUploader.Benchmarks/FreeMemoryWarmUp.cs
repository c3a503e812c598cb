using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// Touches every page of the machine's free memory once, then gives it back, before anything is measured.
/// </summary>
/// <remarks>
/// On this virtual machine a page of guest memory costs a fault in the host the first time the guest touches it, and the
/// kernel's page cache, growing under each uploaded file, keeps reaching fresh pages: writing 2 GiB files one after
/// another measured 0.2 ms of CPU per MiB while the cache reused touched pages and 1.5–2.4 ms per MiB once it reached
/// untouched ones (attributed to the kernel's copy into the cache). Which scenario met fresh memory then decided its
/// rate, for the bare receiver as much as for the app. Once touched, pages stay cheap after they are freed.
/// </remarks>
public static class FreeMemoryWarmUp
{
    private const long Block = 256L * 1024 * 1024;
    private const long Spared = 2L * 1024 * 1024 * 1024;

    /// <summary>Returns how many MiB were touched and how long it took.</summary>
    public static unsafe (long MiB, TimeSpan Took) Run()
    {
        var watch = Stopwatch.StartNew();
        var blocks = new List<nint>();
        try
        {
            var wanted = Math.Max(AvailableBytes() - Spared, 0) / Block;
            for (var b = 0; b < wanted; b++) blocks.Add((nint)NativeMemory.Alloc((nuint)Block));
            var pageSize = Environment.SystemPageSize;
            // Two at a time: the host's faults are the cost, and the machine has two cores.
            Parallel.ForEach(blocks, new ParallelOptions { MaxDegreeOfParallelism = 2 }, block =>
            {
                var bytes = (byte*)block;
                for (long offset = 0; offset < Block; offset += pageSize) bytes[offset] = 1;
            });
            return (blocks.Count * Block / (1024 * 1024), watch.Elapsed);
        }
        finally
        {
            foreach (var block in blocks) NativeMemory.Free((void*)block);
        }
    }

    private static long AvailableBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
