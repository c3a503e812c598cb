using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Database failures that pass: SQLite's write lock held elsewhere past the wait, a PostgreSQL connection or command
/// timeout, deadlock or serialisation failure. The same request may well succeed when it is sent again.
/// </summary>
public static class TransientDatabaseFailures
{
    private const int SqliteBusy = 5, SqliteLocked = 6;

    public static bool Is(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked,
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        // EF Core wraps provider errors (DbUpdateException, InvalidOperationException).
        { InnerException: { } inner } => Is(inner),
        _ => false,
    };
}
