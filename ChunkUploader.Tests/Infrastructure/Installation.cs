using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>What an operator command printed and how it exited.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// A server installation in a fresh folder: its storage root and SQLite database, the same places <see cref="AppProcess"/>
/// gives the server, so that commands and a running server share them.
/// </summary>
public sealed class Installation : IDisposable
{
    public Installation(string name)
    {
        StorageRoot = Path.Combine(AppFixture.Shared.WorkDirectory + "-ops", $"{name}-{Guid.NewGuid().ToString("N")[..6]}", "storage");
    }

    public string StorageRoot { get; }
    public string DatabaseFile => Path.Combine(StorageRoot, "app.db");

    /// <summary>A folder next to the installation, not yet created, for backups.</summary>
    public string Sibling(string name) => Path.Combine(Path.GetDirectoryName(StorageRoot)!, name);

    public Task<AppProcess> StartServerAsync(TestUser user, IReadOnlyDictionary<string, string>? environment = null) =>
        AppProcess.StartAsync(StorageRoot, user, settings: environment);

    /// <summary>Runs <c>dotnet ChunkUploader.Web.dll &lt;args&gt;</c> as an operator would, in Production, against this installation.</summary>
    public Task<CommandResult> RunAsync(params string[] args) => RunAsync(environment: null, args);

    /// <summary>The same, with settings of its own (environment variables such as <c>Upload__MaxFileSize</c>).</summary>
    public Task<CommandResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync(environment, [], args);

    /// <summary>
    /// Runs a command that is killed (SIGKILL, by strace's fault injection) on entering its <paramref name="rename"/>th
    /// rename, before that rename happens: a crash at an exact point of a sequence of renames.
    /// </summary>
    public Task<CommandResult> RunKilledAtRenameAsync(int rename, params string[] args) =>
        RunAsync(null, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", $"inject=rename,renameat,renameat2:signal=KILL:when={rename}"], args);

    private async Task<CommandResult> RunAsync(IReadOnlyDictionary<string, string>? environment, string[] wrapper, string[] args)
    {
        var appDll = typeof(Program).Assembly.Location;
        string[] command = [.. wrapper, "dotnet", appDll, .. args];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__Root"] = StorageRoot;
        start.Environment["ConnectionStrings__Default"] = $"Data Source={DatabaseFile}";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{string.Join(' ', args)}` did not finish within 3 minutes.");
        }
        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public async Task<CommandResult> RunSuccessfullyAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.AreEqual(0, result.ExitCode, $"`{string.Join(' ', args)}`: {result}");
        return result;
    }

    /// <summary>Runs <c>admin add &lt;email&gt; --create</c> and returns the account with the password it printed.</summary>
    public async Task<TestUser> CreateAdminAsync(string email)
    {
        var created = await RunSuccessfullyAsync("admin", "add", email, "--create");
        var password = System.Text.RegularExpressions.Regex.Match(created.Output, @"^Password: (\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;
        Assert.AreNotEqual("", password, created.ToString());
        return new TestUser("", email, password);
    }

    /// <summary>One number from the database, read without changing it.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        var folder = Path.GetDirectoryName(StorageRoot)!;
        try
        {
            Directory.Delete(folder, recursive: true);
            var parent = Path.GetDirectoryName(folder)!;
            if (!Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
        }
        catch (IOException) { } // another installation of the run is using the shared parent
    }
}
