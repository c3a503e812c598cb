using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// The Release build of ChunkUploader.Web as a child process in Production on a free loopback port, with its own
/// storage root and SQLite database in a temporary folder that is deleted on dispose.
/// </summary>
public sealed class AppUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _root;
    private int _errorLines;

    private AppUnderTest(Process process, string root, Uri baseAddress) => (_process, _root, BaseAddress) = (process, root, baseAddress);

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>Lines the app logged at Error or above (its production JSON logs carry the level).</summary>
    public int ErrorLines => Volatile.Read(ref _errorLines);

    public static async Task<AppUnderTest> StartAsync(string appDll, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("chunkuploader-bench-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [appDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Storage__Root"] = Path.Combine(root, "storage");
        start.Environment["ConnectionStrings__Default"] = $"Data Source={Path.Combine(root, "app.db")}";
        start.Environment["AllowedHosts"] = "127.0.0.1";
        // Plain HTTP on loopback: no TLS proxy in front of the benchmark (ProductionDefaults would otherwise redirect and mark cookies Secure).
        start.Environment["Https__Required"] = "false";
        // Limits far above what the benchmark sends, so that it measures the pipeline rather than the rate limiter.
        start.Environment["RateLimits__UploadRequestsPerSecond"] = "100000";
        start.Environment["RateLimits__UploadBurst"] = "1000000";
        start.Environment["RateLimits__AccountAttempts"] = "1000000";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__")] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new AppUnderTest(process, root, new Uri($"http://127.0.0.1:{port}/"));
        // Both streams are drained so that a chatty log never blocks the app on a full pipe.
        process.OutputDataReceived += (_, line) => app.Watch(line.Data);
        process.ErrorDataReceived += (_, line) => app.Watch(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await app.DisposeAsync();
                throw new InvalidOperationException($"The app exited with {process.ExitCode} while starting.");
            }
            try
            {
                using var response = await probe.GetAsync("Identity/Account/Login", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            await Task.Delay(200, cancellationToken);
        }
        await app.DisposeAsync();
        throw new TimeoutException("The app did not answer within 90 s of starting.");
    }

    private void Watch(string? line)
    {
        if (line is null) return;
        if (line.Contains("\"Error\"", StringComparison.Ordinal) || line.Contains("\"Critical\"", StringComparison.Ordinal)
            || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            Interlocked.Increment(ref _errorLines);
    }

    public async ValueTask DisposeAsync() => await ChildProcess.StopAsync(_process, _root);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
