using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// tus-node-server (@tus/server with its file store, pinned in bench/tus/package.json and installed there with npm on
/// first use) as a child process on a free loopback port: what a user might run instead of ChunkUploader.
/// </summary>
public sealed partial class TusNodeServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _storage;

    private TusNodeServer(Process process, string storage, Uri baseAddress) => (_process, _storage, BaseAddress) = (process, storage, baseAddress);

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the server; null (and the reason on the console) when Node.js or the npm install is not available.</summary>
    public static async Task<TusNodeServer?> StartAsync(string repository, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(repository, "bench", "tus");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@tus", "server"))
            && await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, cancellationToken) is { } failure)
        {
            Console.WriteLine($"(tus-node-server not installed: npm ci failed: {failure})");
            return null;
        }
        var storage = Directory.CreateTempSubdirectory("chunkuploader-bench-tus-").FullName;
        var start = new ProcessStartInfo("node", ["server.mjs", storage]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(startup.Token) ?? "";
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        if (Listening().Match(line) is not { Success: true } match)
        {
            await ChildProcess.StopAsync(process, storage);
            Console.WriteLine($"(tus-node-server did not start: {line})");
            return null;
        }
        return new TusNodeServer(process, storage, new Uri($"http://127.0.0.1:{match.Groups[1].Value}/"));
    }

    /// <summary>The SHA-256 of what the server stored for the upload at <paramref name="location"/> (its file store names the file by the upload's id).</summary>
    public async Task<string> StoredSha256Async(Uri location, CancellationToken cancellationToken)
    {
        await using var stored = File.OpenRead(Path.Combine(_storage, location.Segments[^1]));
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stored, cancellationToken));
    }

    public async ValueTask DisposeAsync() => await ChildProcess.StopAsync(_process, _storage);

    private static async Task<string?> RunAsync(string command, string[] arguments, string folder, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true })!;
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? null : (await errors).Trim();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }

    [GeneratedRegex(@"^listening on (\d+)$")]
    private static partial Regex Listening();
}
