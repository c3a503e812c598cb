using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// Before each measured scenario: writes out and drops the kernel's clean page cache, then touches and frees a few GiB
/// of memory, so that every scenario writes its files into pages the machine has just used.
/// </summary>
/// <remarks>
/// On this virtual machine the host takes back guest memory that stays free for a while (within ~90 s), and the guest's
/// next touch of such a page costs a fault in the host. Measured with a C writer: 2 GiB files cost 0.2 ms of CPU per MiB
/// while the page cache reused recently freed pages and 1.5–2.4 ms per MiB once it reached reclaimed ones (the time shows
/// as the kernel's copy into the cache), for any writer. Which scenario happened to meet reclaimed memory then decided
/// its rate: the bare receiver's 1 MiB rounds ranged 281–712 MiB/s within one run. A server that has run for a while
/// recycles its own page cache; this reset gives every scenario and every target that same footing.
/// </remarks>
public static class PageCacheReset
{
    private const long Block = 256L * 1024 * 1024;
    /// <summary>Above the most one scenario writes (the 4 GiB file's chunks, or 50 users' files).</summary>
    private const long Touched = 4608L * 1024 * 1024;

    public static bool IsAvailable { get; } = CanDropCaches();

    /// <summary>How long the reset took; nothing happens (zero) where the page cache cannot be dropped (not root).</summary>
    public static TimeSpan Run()
    {
        if (!IsAvailable) return TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        Sync();
        File.WriteAllText(DropCaches, "1");
        TouchAndFree(Math.Min(Touched, Math.Max(AvailableBytes() - 2L * 1024 * 1024 * 1024, 0)));
        return watch.Elapsed;
    }

    private const string DropCaches = "/proc/sys/vm/drop_caches";

    private static bool CanDropCaches()
    {
        try
        {
            using var _ = File.OpenWrite(DropCaches);
            return true;
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    private static unsafe void TouchAndFree(long bytes)
    {
        var blocks = new List<nint>();
        try
        {
            for (var b = 0L; b < bytes / Block; b++) blocks.Add((nint)NativeMemory.Alloc((nuint)Block));
            var pageSize = Environment.SystemPageSize;
            Parallel.ForEach(blocks, new ParallelOptions { MaxDegreeOfParallelism = 2 }, block =>
            {
                var page = (byte*)block;
                for (long offset = 0; offset < Block; offset += pageSize) page[offset] = 1;
            });
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

    [DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();
}
