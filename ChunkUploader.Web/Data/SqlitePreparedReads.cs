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
public sealed class SqlitePreparedReads : IDisposable
{
    private readonly string _connectionString;
    private readonly Stack<Lane> _idle = new();
    private readonly int _mostIdle = Math.Max(4, 2 * Environment.ProcessorCount);
    private bool _disposed;

    public SqlitePreparedReads(string connectionString)
    {
        // Unpooled: these connections are the pool, and a read-only one must never be handed to a writer. ReadWrite, not
        // ReadWriteCreate: a database file that went missing is an error, not a new empty database.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString();
    }

    /// <summary>Whether these reads would see the app's database: not for an in-memory one, which each connection has to itself.</summary>
    public static bool CanServe(string connectionString) =>
        new SqliteConnectionStringBuilder(connectionString) is { Mode: not SqliteOpenMode.Memory, DataSource: not ("" or ":memory:") };

    /// <summary>Runs <paramref name="sql"/>, whose parameters are <c>@p0</c>, <c>@p1</c>… in the order of <paramref name="values"/>.</summary>
    public T Read<T>(string sql, object?[] values, Func<SqliteDataReader, T> read)
    {
        var lane = Rent();
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

    private Lane Rent()
    {
        lock (_idle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.TryPop(out var idle)) return idle;
        }
        return new Lane(_connectionString);
    }

    private void Return(Lane lane)
    {
        lock (_idle)
        {
            if (!_disposed && _idle.Count < _mostIdle)
            {
                _idle.Push(lane);
                return;
            }
        }
        lane.Dispose();
    }

    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            while (_idle.TryPop(out var lane)) lane.Dispose();
        }
    }

    private sealed class Lane : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Dictionary<string, SqliteCommand> _commands = [];

        public Lane(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            try
            {
                _connection.Open();
                using var pragmas = _connection.CreateCommand();
                pragmas.CommandText = $"PRAGMA query_only = 1; PRAGMA busy_timeout = {_connection.DefaultTimeout * 1000};";
                pragmas.ExecuteNonQuery();
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        public SqliteCommand Prepared(string sql, int parameterCount)
        {
            if (_commands.TryGetValue(sql, out var command)) return command;
            command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameterCount; i++) command.Parameters.Add(new SqliteParameter($"@p{i}", DBNull.Value));
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
