using System.Diagnostics;
using System.Net;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>Where a child app process keeps its data, and what else it is told through its environment.</summary>
/// <param name="StorageRoot">The storage root (shared by instances that share uploads).</param>
/// <param name="Database">The database it uses; by default the run's choice for <paramref name="StorageRoot"/>.</param>
/// <param name="Home">Its <c>HOME</c>; instances on different machines have different ones.</param>
/// <param name="Environment">Further configuration keys (<c>Section:Key</c> or <c>Section__Key</c>) and their values.</param>
/// <param name="Port">The loopback port to listen on (a restart where a client expects it); a free one when not given.</param>
public sealed record AppProcessSettings(
    string StorageRoot,
    TestDatabase? Database = null,
    string? Home = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    int? Port = null);

/// <summary>
/// The built app as a separate process on 127.0.0.1, for what an in-process host cannot show: being killed with
/// SIGKILL mid-request and started again on the same storage and database, or several instances side by side.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, Uri baseAddress, ProcessOutput output) => (_process, BaseAddress, Output) = (process, baseAddress, output);

    public Uri BaseAddress { get; }

    /// <summary>Everything the app wrote to its console (its log).</summary>
    public ProcessOutput Output { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Log lines at Error or Critical level (the console logger prefixes them <c>fail:</c> and <c>crit:</c>).</summary>
    public IEnumerable<string> LoggedErrors => Output.Lines.Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal));

    /// <summary>
    /// Starts the app in Development (so it seeds <paramref name="user"/>) with its data under <paramref name="storageRoot"/>,
    /// on <paramref name="port"/> when given, with further configuration keys (<c>Section:Key</c>) in <paramref name="settings"/>.
    /// </summary>
    public static Task<AppProcess> StartAsync(string storageRoot, TestUser user, int? port = null, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(new AppProcessSettings(storageRoot, Environment: settings, Port: port), user);

    /// <summary>Starts the app in Development, seeding <paramref name="user"/> when given.</summary>
    public static async Task<AppProcess> StartAsync(AppProcessSettings settings, TestUser? user = null)
    {
        var database = settings.Database ?? await TestDatabase.ForStorageRootAsync(settings.StorageRoot);
        var port = settings.Port ?? LoopbackPort.Free();
        var appDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [appDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__Root"] = settings.StorageRoot;
        start.Environment["Database__Provider"] = database.Provider;
        start.Environment["ConnectionStrings__Default"] = database.ConnectionString;
        if (user is not null)
        {
            start.Environment["Seed__User__Email"] = user.Email;
            start.Environment["Seed__User__Password"] = user.Password;
        }
        if (settings.Home is not null)
        {
            Directory.CreateDirectory(settings.Home);
            start.Environment["HOME"] = settings.Home;
        }
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // One line per message, so that an error's level prefix starts a line.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings.Environment ?? new Dictionary<string, string>()) start.Environment[key.Replace(":", "__")] = value;

        var output = new ProcessOutput();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => output.Add(line.Data);
        process.ErrorDataReceived += (_, line) => output.Add(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}/"), output);
        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with {process.ExitCode} while starting:\n{output}");
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
        throw new TimeoutException($"The app did not start within 90 s:\n{output}");
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
}
