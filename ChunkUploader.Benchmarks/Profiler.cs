using System.Diagnostics;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// Attaches a profiler to the app for one scenario (<c>--profile</c>): <c>strace -c -f</c> for where the system calls go,
/// or <c>perf record</c> (on-CPU samples, JIT-compiled methods named through the runtime's perf map) reported as the
/// hottest symbols. Stopped with SIGINT, as at a terminal, so that each tool writes its summary.
/// </summary>
public sealed class Profiler : IAsyncDisposable
{
    private readonly Process _tool;
    private readonly string _output;
    private readonly string _summary;
    private readonly bool _isPerf;

    private Profiler(Process tool, string output, string summary, bool isPerf) => (_tool, _output, _summary, _isPerf) = (tool, output, summary, isPerf);

    public static readonly string[] Tools = ["strace", "perf"];

    /// <summary>
    /// What the app needs for perf to name its methods: a perf map of JIT-compiled code, code mapped where the map says
    /// (no write-xor-execute double mapping), and no precompiled (ReadyToRun) framework code, which perf cannot name.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AppSettings = new Dictionary<string, string>
    {
        ["DOTNET_PerfMapEnabled"] = "1",
        ["DOTNET_EnableWriteXorExecute"] = "0",
        ["DOTNET_ReadyToRun"] = "0",
    };

    /// <summary>Starts <paramref name="tool"/> on <paramref name="pid"/>; null (and a message) when the tool is not installed.</summary>
    public static async Task<Profiler?> AttachAsync(string tool, int pid, string folder, string name, CancellationToken cancellationToken)
    {
        var isPerf = tool == "perf";
        var executable = Find(tool);
        if (executable is null)
        {
            Console.WriteLine($"  ({tool} is not installed; skipped)");
            return null;
        }
        Directory.CreateDirectory(folder);
        var summary = Path.Combine(folder, $"{name}.{tool}.txt");
        var output = isPerf ? Path.Combine(folder, $"{name}.perf.data") : summary;
        string[] arguments = isPerf
            ? ["record", "-F", "1999", "-g", "-p", pid.ToString(), "-o", output]
            : ["-c", "-f", "-p", pid.ToString(), "-o", output];
        var process = Process.Start(new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        // Both tools need a moment to attach; what happens before they do is not profiled.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return new Profiler(process, output, summary, isPerf);
    }

    public async ValueTask DisposeAsync()
    {
        using (var interrupt = Process.Start("kill", ["-INT", _tool.Id.ToString()])) await interrupt.WaitForExitAsync();
        using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await _tool.WaitForExitAsync(stopped.Token); }
        catch (OperationCanceledException) { _tool.Kill(entireProcessTree: true); }
        _tool.Dispose();
        if (!_isPerf || !File.Exists(_output)) return;

        // Self time by symbol, then time under each symbol (callers included): where the CPU went, and below which of the app's calls.
        var report = new System.Text.StringBuilder();
        string[][] modes = [["--no-children"], ["--children"]];
        foreach (var mode in modes)
        {
            string[] arguments = ["report", "-i", _output, "--stdio", "--sort", "symbol", "-g", "none", "--percent-limit", "0.7", .. mode];
            var start = new ProcessStartInfo(Find("perf")!, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            _ = process.StandardError.ReadToEndAsync();
            report.AppendLine(await process.StandardOutput.ReadToEndAsync());
            await process.WaitForExitAsync();
        }
        await File.WriteAllTextAsync(_summary, report.ToString());
        File.Delete(_output);
    }

    private static string? Find(string tool)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return folders.Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);
    }
}
