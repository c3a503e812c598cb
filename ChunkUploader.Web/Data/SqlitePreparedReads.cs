using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Runs the reads made for every request (the testChunks probe) on SQLite through statements prepared once. Through
/// EF each run is a new command, which Microsoft.Data.Sqlite parses and plans again: in a perf profile of the probe
/// that was a fifth of its CPU, the lookup itself almost nothing.
/// </summary>
/// <remarks>
/// A statement lives on its connection, so these connections stay open (read-only) in a small pool of their own. In
/// WAL mode a reader never blocks a writer, and each read ends its snapshot when its reader is disposed.
/// </remarks>
public sealed class SqlitePreparedReads(string connectionString) : IDisposable
{
    /// <summary>More idle connections than this are closed: enough for the requests two cores run at once.</summary>
    private const int MostIdle = 8;

    private readonly ConcurrentBag<Lane> _idle = [];
    private volatile bool _disposed;

    /// <summary>Runs <paramref name="sql"/>, whose parameters are <c>$p0</c>, <c>$p1</c>… in the order of <paramref name="values"/>.</summary>
    public T Read<T>(string sql, object?[] values, Func<SqliteDataReader, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lane = _idle.TryTake(out var idle) ? idle : new Lane(connectionString);
        try
        {
            var command = lane.Prepared(sql, values.Length);
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
            T result;
            using (var reader = command.ExecuteReader()) result = read(reader);
            Return(lane);
            return result;
        }
        catch
        {
            // A connection that failed midway is not trusted again.
            lane.Dispose();
            throw;
        }
    }

    private void Return(Lane lane)
    {
        if (_disposed || _idle.Count >= MostIdle) lane.Dispose();
        else _idle.Add(lane);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var lane)) lane.Dispose();
    }

    private sealed class Lane : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Dictionary<string, SqliteCommand> _commands = [];

        public Lane(string connectionString)
        {
            // Unpooled: these connections are the pool, and a read-only one must never be handed to a writer.
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
            _connection.Open();
            using var pragmas = _connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA query_only = 1; PRAGMA busy_timeout = {_connection.DefaultTimeout * 1000};";
            pragmas.ExecuteNonQuery();
        }

        public SqliteCommand Prepared(string sql, int parameterCount)
        {
            if (_commands.TryGetValue(sql, out var command)) return command;
            command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameterCount; i++) command.Parameters.Add(new SqliteParameter($"$p{i}", DBNull.Value));
            command.Prepare();
            _commands.Add(sql, command);
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values) command.Dispose();
            _connection.Dispose();
        }
    }
}
