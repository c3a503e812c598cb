namespace ChunkUploader.Benchmarks;

/// <summary>What Linux says a process has done: bytes it caused to be written to storage and its peak resident memory.</summary>
public static class ProcessIo
{
    /// <summary><c>write_bytes</c> of /proc/&lt;pid&gt;/io: bytes sent to the storage layer (page cache writes count when dirtied).</summary>
    public static long WriteBytes(int pid) => Field($"/proc/{pid}/io", "write_bytes:");

    /// <summary><c>VmHWM</c> of /proc/&lt;pid&gt;/status in bytes: the resident-set high-water mark.</summary>
    public static long PeakResidentBytes(int pid) => Field($"/proc/{pid}/status", "VmHWM:") * 1024;

    /// <summary>
    /// Resets the high-water mark to the current RSS (writing 5 to clear_refs, Linux 4.0+), so that each scenario
    /// reports its own peak. Returns false when the kernel refuses, and the peak is then cumulative.
    /// </summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// User plus system CPU time of the process (utime and stime of /proc/&lt;pid&gt;/stat, in clock ticks of 10 ms): what its
    /// work cost, whatever else the shared machine was doing meanwhile.
    /// </summary>
    public static TimeSpan CpuTime(int pid) => StatCpuTime(File.ReadAllText($"/proc/{pid}/stat"));

    /// <summary>
    /// CPU time of each of the process's threads whose name starts with <paramref name="namePrefix"/>, by thread id (from
    /// /proc/&lt;pid&gt;/task/*/stat). By id, since a thread that ends takes its CPU time out of any sum.
    /// </summary>
    public static Dictionary<int, TimeSpan> ThreadCpuTimes(int pid, string namePrefix)
    {
        var times = new Dictionary<int, TimeSpan>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
            if (name.StartsWith(namePrefix, StringComparison.Ordinal)) times[int.Parse(Path.GetFileName(task))] = StatCpuTime(stat);
        }
        return times;
    }

    private static TimeSpan StatCpuTime(string stat)
    {
        // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double ticksPerSecond = 100;
        return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / ticksPerSecond);
    }

    private static long Field(string path, string name)
    {
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidDataException($"{path} has no {name}");
    }
}
