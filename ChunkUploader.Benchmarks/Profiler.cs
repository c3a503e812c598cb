using System.Diagnostics;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// Attaches a profiler to the app for one scenario (<c>--profile</c>): <c>strace -c -f</c> for where the system calls go,
/// or <c>dotnet-trace</c> (sampled thread time) reported as the top methods. Stopped with SIGINT, as at a terminal,
/// so that each tool writes its summary.
/// </summary>
public sealed class Profiler : IAsyncDisposable
{
    private readonly Process _tool;
    private readonly string _output;
    private readonly string _summary;
    private readonly bool _isTrace;

    private Profiler(Process tool, string output, string summary, bool isTrace) => (_tool, _output, _summary, _isTrace) = (tool, output, summary, isTrace);

    public static readonly string[] Tools = ["strace", "dotnet-trace"];

    /// <summary>Starts <paramref name="tool"/> on <paramref name="pid"/>; null (and a message) when the tool is not installed.</summary>
    public static async Task<Profiler?> AttachAsync(string tool, int pid, string folder, string name, CancellationToken cancellationToken)
    {
        var isTrace = tool == "dotnet-trace";
        var executable = Find(tool);
        if (executable is null)
        {
            Console.WriteLine($"  ({tool} is not installed; skipped)");
            return null;
        }
        Directory.CreateDirectory(folder);
        var summary = Path.Combine(folder, $"{name}.{tool}.txt");
        var output = isTrace ? Path.Combine(folder, $"{name}.nettrace") : summary;
        string[] arguments = isTrace
            ? ["collect", "-p", pid.ToString(), "--profile", "dotnet-sampled-thread-time", "--duration", "00:00:03:00", "--format", "Speedscope", "-o", output]
            : ["-c", "-f", "-p", pid.ToString(), "-o", output];
        var process = Process.Start(new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        // Both tools need a moment to attach; what happens before they do is not profiled.
        await Task.Delay(TimeSpan.FromSeconds(isTrace ? 3 : 1), cancellationToken);
        return new Profiler(process, output, summary, isTrace);
    }

    public async ValueTask DisposeAsync()
    {
        using (var interrupt = Process.Start("kill", ["-INT", _tool.Id.ToString()])) await interrupt.WaitForExitAsync();
        using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await _tool.WaitForExitAsync(stopped.Token); }
        catch (OperationCanceledException) { _tool.Kill(entireProcessTree: true); }
        _tool.Dispose();
        if (!_isTrace || !File.Exists(_output)) return;

        // Exclusive and inclusive top methods: where the threads were, and under which of the app's calls.
        var report = new System.Text.StringBuilder();
        string[][] modes = [["-n", "30"], ["-n", "40", "--inclusive"]];
        foreach (var mode in modes)
        {
            string[] arguments = ["report", _output, "topN", .. mode];
            var start = new ProcessStartInfo(Find("dotnet-trace")!, arguments) { RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            report.AppendLine(await process.StandardOutput.ReadToEndAsync());
            await process.WaitForExitAsync();
        }
        await File.WriteAllTextAsync(_summary, report.ToString());
        // The speedscope file (callers and callees, for https://www.speedscope.app) stays beside the summary, uncommitted.
        File.Delete(_output);
        File.Delete(_output + ".etlx");
    }

    private static string? Find(string tool)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return folders.Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);
    }
}
