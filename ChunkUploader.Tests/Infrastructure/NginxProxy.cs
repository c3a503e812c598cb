using System.Diagnostics;
using System.Net.Sockets;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// nginx on a free loopback port, run in the foreground with its own prefix and pid file in a temp folder (never the
/// system service), configured from the repository's <c>deploy/nginx.conf</c> with its placeholders filled in.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly ProcessOutput _log;

    private NginxProxy(Process process, string directory, ProcessOutput log, Uri baseAddress) =>
        (_process, _directory, _log, BaseAddress) = (process, directory, log, baseAddress);

    public Uri BaseAddress { get; }

    public string Log => _log.ToString();

    /// <summary>Starts nginx balancing round-robin over <paramref name="first"/> and <paramref name="second"/>.</summary>
    public static async Task<NginxProxy> StartAsync(Uri first, Uri second)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx was not found (install Debian's nginx; .ci/run does).");
        var directory = Path.Combine(Path.GetTempPath(), "chunkuploader-nginx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var port = LoopbackPort.Free();
        var config = (await File.ReadAllTextAsync(DeployConfigPath()))
            .Replace("${LISTEN}", $"127.0.0.1:{port}")
            .Replace("${APP_1}", first.Authority)
            .Replace("${APP_2}", second.Authority);
        // The deployment's pid file is a system path; this one must not touch it.
        config = config.Replace("pid /run/nginx-chunkuploader.pid;", $"pid {Path.Combine(directory, "nginx.pid")};");
        var configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);

        var start = new ProcessStartInfo(nginx, ["-p", directory, "-c", configPath, "-e", "stderr", "-g", "daemon off; error_log stderr notice;"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var log = new ProcessOutput();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => log.Add(line.Data);
        process.ErrorDataReceived += (_, line) => log.Add(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var proxy = new NginxProxy(process, directory, log, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {log}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return proxy;
            }
            catch (SocketException) { }
            await Task.Delay(100);
        }
        await proxy.DisposeAsync();
        throw new TimeoutException($"nginx did not listen within 30 s: {log}");
    }

    /// <summary>deploy/nginx.conf, found by walking up from the test assembly to the repository root.</summary>
    public static string DeployConfigPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "deploy", "nginx.conf");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("deploy/nginx.conf was not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
