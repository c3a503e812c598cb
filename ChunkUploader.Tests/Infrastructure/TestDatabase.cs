using System.Collections.Concurrent;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// Which database the app under test uses: SQLite in the storage root (the default), or PostgreSQL on the run's
/// throwaway cluster when <c>CHUNKUPLOADER_TEST_DATABASE=PostgreSQL</c> (CI's second pass).
/// </summary>
/// <param name="Provider">The value for <c>Database:Provider</c>.</param>
/// <param name="ConnectionString">The value for <c>ConnectionStrings:Default</c>.</param>
public sealed record TestDatabase(string Provider, string ConnectionString)
{
    public const string EnvironmentVariable = "CHUNKUPLOADER_TEST_DATABASE";

    private static readonly ConcurrentDictionary<string, Lazy<Task<TestDatabase>>> ByStorageRoot = new();

    public static bool UsePostgreSql =>
        string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The database of the app whose storage lives in <paramref name="storageRoot"/>: the same one every time for the
    /// same root, so that an app restarted on the same storage finds its records again.
    /// </summary>
    public static Task<TestDatabase> ForStorageRootAsync(string storageRoot)
    {
        if (!UsePostgreSql) return Task.FromResult(new TestDatabase("Sqlite", $"Data Source={Path.Combine(storageRoot, "app.db")}"));
        return ByStorageRoot.GetOrAdd(storageRoot, root => new Lazy<Task<TestDatabase>>(async () =>
        {
            var cluster = await PostgresCluster.SharedAsync();
            return PostgreSql(await cluster.CreateDatabaseAsync("app"));
        })).Value;
    }

    /// <summary>A fresh, empty PostgreSQL database on the run's cluster, whatever the run's choice.</summary>
    public static async Task<TestDatabase> NewPostgreSqlAsync(string prefix) =>
        PostgreSql(await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(prefix));

    private static TestDatabase PostgreSql(string connectionString) => new("PostgreSQL", connectionString);
}
