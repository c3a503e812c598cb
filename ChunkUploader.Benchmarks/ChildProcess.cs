using System.Diagnostics;

namespace ChunkUploader.Benchmarks;

/// <summary>What every receiver the benchmark starts as a child process leaves behind: the process and its temporary folder.</summary>
public static class ChildProcess
{
    /// <summary>Kills <paramref name="process"/> with its children, then deletes <paramref name="folder"/> as far as it can.</summary>
    public static async Task StopAsync(Process process, string folder)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
