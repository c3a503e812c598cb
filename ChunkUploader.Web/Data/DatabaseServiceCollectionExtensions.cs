using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace ChunkUploader.Web.Data;

public static class DatabaseServiceCollectionExtensions
{
    public const string ConnectionStringName = "Default";
    public const string DefaultSqliteConnectionString = "Data Source=data/chunkuploader.db";

    /// <summary>The application name every instance protects data under; with the shared key ring it makes their cookies interchangeable.</summary>
    public const string DataProtectionApplicationName = "ChunkUploader";

    /// <summary>
    /// The one registration of the database: <c>Database:Provider</c> picks SQLite (a file under the content root unless
    /// configured otherwise) or PostgreSQL, with <c>ConnectionStrings:Default</c>. Code asks for <see cref="AppDbContext"/>.
    /// The Data Protection key ring lives in the same database.
    /// </summary>
    public static IServiceCollection AddUploadDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var connectionString = configuration.GetConnectionString(ConnectionStringName);

        // Pooled: every request opens several contexts (session, upload records), and building each from scratch was a
        // measurable share of a probe's CPU.
        if (provider == DatabaseProvider.PostgreSQL)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException("Database:Provider is PostgreSQL but ConnectionStrings:Default is not set.");
            var postgreSql = PostgreSqlConnectionString(connectionString);
            services.AddDbContextPool<AppDbContext, PostgreSqlAppDbContext>(options => UsePostgreSql(options, postgreSql));
        }
        else
        {
            var sqlite = SqliteConnectionString(connectionString, environment.ContentRootPath);
            services.AddDbContextPool<AppDbContext, SqliteAppDbContext>(options => UseSqlite(options, sqlite));
            if (SqlitePreparedReads.CanServe(sqlite)) services.AddSingleton(_ => new SqlitePreparedReads(sqlite));
            // A queued write waits for its turn as long as SQLite would wait for the lock itself.
            services.AddSingleton(new SqliteWriteQueue(TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(sqlite).DefaultTimeout)));
        }

        services.TryAddSingleton(new SqliteWriteQueue()); // on PostgreSQL every write passes straight through
        services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<AppDbContext>();
        return services;
    }

    /// <summary>
    /// Why <c>ConnectionStrings:Default</c> cannot serve the configured provider (missing for PostgreSQL, or a connection
    /// string of the other engine), in one line; null when it can. Checked before the services are built, which parse it.
    /// </summary>
    public static string? ConnectionStringProblem(IConfiguration configuration)
    {
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (provider == DatabaseProvider.PostgreSQL && string.IsNullOrWhiteSpace(connectionString))
            return "Invalid setting ConnectionStrings:Default: Database:Provider is PostgreSQL, so it must be set (Host=…;Database=…;Username=…;Password=…).";
        try
        {
            if (provider == DatabaseProvider.PostgreSQL) _ = new NpgsqlConnectionStringBuilder(connectionString);
            else _ = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnectionString : connectionString);
            return null;
        }
        catch (ArgumentException wrong)
        {
            var example = provider == DatabaseProvider.PostgreSQL ? "Host=…;Database=…;Username=…;Password=…" : "Data Source=<file>";
            return $"Invalid setting ConnectionStrings:Default: it is not a {provider} connection string ({example}) as Database:Provider asks: {wrong.Message}";
        }
    }

    internal static string SqliteConnectionString(string? configured, string contentRoot)
    {
        var connection = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? DefaultSqliteConnectionString : configured);
        connection.DataSource = Path.GetFullPath(connection.DataSource, contentRoot);
        connection.DefaultTimeout = Math.Max(connection.DefaultTimeout, 30); // writers queue for SQLite's single write lock
        return connection.ToString();
    }

    /// <summary>
    /// Unless the connection string says otherwise, statements run repeatedly (the probe's, every chunk's) are prepared
    /// on each connection, so that PostgreSQL stops parsing and planning them again on every request; and a connection
    /// back from the pool is not reset, since the app leaves no session state on it (no SET, LISTEN or temporary table;
    /// the one advisory lock, taken at start, is released before its connection goes back, or the start fails).
    /// </summary>
    internal static string PostgreSqlConnectionString(string configured)
    {
        // Npgsql's own builder answers ContainsKey for every keyword it knows; the plain one says what was written.
        var written = new DbConnectionStringBuilder { ConnectionString = configured };
        bool Written(string keyword) => written.ContainsKey(keyword) || written.ContainsKey(keyword.Replace(" ", ""));
        var connection = new NpgsqlConnectionStringBuilder(configured);
        if (!Written("Max Auto Prepare"))
        {
            connection.MaxAutoPrepare = 50;
            if (!Written("Auto Prepare Min Usages")) connection.AutoPrepareMinUsages = 2;
        }
        if (!Written("No Reset On Close")) connection.NoResetOnClose = true;
        return connection.ToString();
    }

    internal static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder options, string connectionString) =>
        QuietExpectedFailures(options.UseSqlite(connectionString)
            .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout))));

    internal static DbContextOptionsBuilder UsePostgreSql(DbContextOptionsBuilder options, string connectionString) =>
        QuietExpectedFailures(options.UseNpgsql(connectionString).AddInterceptors(new DiscardConnectionAfterDataError()));

    // Unique-key conflicts are how simultaneous requests (and instances) learn they lost a race, and are handled where
    // they happen; a failure nobody handles still surfaces as the request's exception.
    private static DbContextOptionsBuilder QuietExpectedFailures(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(warnings => warnings.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}
