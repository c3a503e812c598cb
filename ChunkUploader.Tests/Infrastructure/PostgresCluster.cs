using System.Diagnostics;
using Npgsql;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the run: <c>initdb</c> into a temp folder, started with <c>pg_ctl</c> on a free
/// loopback port, trust authentication, stopped and deleted at the end. Runs as the <c>postgres</c> user when the tests
/// run as root (PostgreSQL refuses to run as root). Nothing depends on a PostgreSQL service the machine may run.
/// </summary>
public sealed class PostgresCluster
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static PostgresCluster? _shared;

    private readonly string _directory;
    private readonly string _binDirectory;

    private PostgresCluster(string directory, string binDirectory, int port) => (_directory, _binDirectory, Port) = (directory, binDirectory, port);

    public int Port { get; }

    /// <summary>The run's cluster, started on first use.</summary>
    public static async Task<PostgresCluster> SharedAsync()
    {
        await StartLock.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            StartLock.Release();
        }
    }

    public static async Task StopSharedAsync()
    {
        if (_shared is null) return;
        await _shared.StopAsync();
        _shared = null;
    }

    /// <summary>A connection string to <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, MaxPoolSize = 50 }.ToString();

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "app")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>
    /// A cluster of its own (the benchmark's), with PostgreSQL's durable defaults when <paramref name="durable"/>: the
    /// tests' shared one runs with fsync off, which a measurement against SQLite's full sync must not.
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(bool durable = false)
    {
        var bin = FindBinDirectory();
        var directory = Path.Combine(Path.GetTempPath(), "chunkuploader-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var dataDirectory = Path.Combine(directory, "data");
        if (RunningAsRoot) await RunAsync("chown", ["postgres:postgres", directory]);

        // The C locale exists everywhere; the machine's own LANG may name a locale that was never generated.
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);
        var port = LoopbackPort.Free();
        // fsync off: the cluster is thrown away after the run, and the tests are about the app, not about PostgreSQL's
        // durability. Enough connections for two app instances' pools plus the tests' own.
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory} -c fsync={(durable ? "on" : "off")} -c max_connections=300";
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"], asPostgres: true);
        return new PostgresCluster(directory, bin, port);
    }

    public async Task StopAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true);
        }
        finally
        {
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public static bool IsInstalled => TryFindBinDirectory() is not null;

    private static string FindBinDirectory() =>
        TryFindBinDirectory()
        ?? throw new InvalidOperationException("PostgreSQL's initdb was not found under /usr/lib/postgresql/*/bin (install Debian's postgresql; .ci/run does), or set PG_BIN.");

    /// <summary>The newest installed PostgreSQL's programs (Debian puts them under /usr/lib/postgresql/N/bin), or PG_BIN.</summary>
    private static string? TryFindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } configured) return configured;
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(path => (Path: Path.Combine(path, "bin"), Version: int.TryParse(Path.GetFileName(path), out var version) ? version : 0))
                .Where(candidate => File.Exists(Path.Combine(candidate.Path, "initdb")))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Path)
            : [];
        return candidates.FirstOrDefault();
    }

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres = false)
    {
        var start = asPostgres && RunningAsRoot
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {await output}{await error}");
    }
}
