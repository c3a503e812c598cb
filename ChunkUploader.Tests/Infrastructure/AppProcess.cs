using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// The built app as a separate process on 127.0.0.1, for what an in-process host cannot show: being killed with
/// SIGKILL mid-request and started again on the same storage and database.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    public Uri BaseAddress { get; }

    /// <summary>Every line the app wrote to standard output, for tests of its logs.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    /// <summary>
    /// Starts the app in Development (so it seeds <paramref name="user"/>) with its data under <paramref name="storageRoot"/>,
    /// on <paramref name="port"/> when given (a restart where a browser expects it), with extra configuration <paramref name="settings"/>
    /// (configuration keys such as <c>Upload:ClaimLease</c>, or environment variables such as <c>ASPNETCORE_ENVIRONMENT</c>).
    /// </summary>
    public static async Task<AppProcess> StartAsync(string storageRoot, TestUser user, int? port = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        port ??= FreePort();
        var appDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [appDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__Root"] = storageRoot;
        start.Environment["ConnectionStrings__Default"] = $"Data Source={Path.Combine(storageRoot, "app.db")}";
        start.Environment["Seed__User__Email"] = user.Email;
        start.Environment["Seed__User__Password"] = user.Password;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key.Replace(":", "__")] = value;
        var process = Process.Start(start)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) app.Output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with {process.ExitCode} while starting.");
            try
            {
                using var response = await probe.GetAsync("Identity/Account/Login");
                if (response.StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await app.DisposeAsync();
        throw new TimeoutException("The app did not start within 60 s.");
    }

    /// <summary>SIGKILL: no shutdown, no flush, no finally blocks.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
