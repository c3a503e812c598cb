using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Lets SQLite itself wait for the write lock, in steps of a few milliseconds, on every connection. Without it
/// Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms before it tries again, so every collision of two
/// chunk requests' commits cost one of them 150 ms (the benchmark's p99 chunk latency was a multiple of that).
/// </summary>
public sealed class SqliteBusyTimeout(TimeSpan wait) : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA busy_timeout = {(int)wait.TotalMilliseconds};";

    // The setting belongs to the native connection, which Microsoft.Data.Sqlite pools: set it once per native connection.
    private readonly ConditionalWeakTable<object, object> _set = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!IsNew(connection)) return;
        using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!IsNew(connection)) return;
        await using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private bool IsNew(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || _set.TryAdd(handle, handle);
}
