using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Queues the upload pipeline's writes for SQLite's single write lock. A SQLite writer that finds the lock taken sleeps
/// in the busy handler (1, 2, 5, 10 ms…) before it tries again, however soon the lock is free: in a small-file run
/// that was about one sleep of 3.4 ms per file. Queued here, the lock passes to the next writer as soon as it is released.
/// </summary>
/// <remarks>
/// Writers that do not queue (sessions, account and admin pages, commands, another process) still meet SQLite's busy
/// handler, as before. On PostgreSQL every write goes straight through: it locks rows, and instances share it.
/// </remarks>
/// <param name="wait">How long a write waits for its turn before it gives up with a <see cref="TimeoutException"/>, as SQLite's
/// own busy timeout would: a write that hangs must not hold every request behind it for ever.</param>
public sealed class SqliteWriteQueue(TimeSpan wait)
{
    public SqliteWriteQueue() : this(TimeSpan.FromSeconds(30)) { }

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly AsyncLocal<bool> _holding = new();

    /// <summary>Runs <paramref name="write"/> when it is this process's turn to write to SQLite.</summary>
    /// <exception cref="InvalidOperationException">Called from inside a queued write, which would wait for itself forever.</exception>
    /// <exception cref="TimeoutException">Its turn did not come within the wait.</exception>
    public async Task<T> RunAsync<T>(AppDbContext db, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite()) return await write();
        if (_holding.Value) throw new InvalidOperationException("A queued SQLite write cannot queue another: it would wait for itself.");
        if (!await _turn.WaitAsync(wait, cancellationToken))
            throw new TimeoutException($"This write waited {wait.TotalSeconds:0} s for its turn at the SQLite database's write lock.");
        try
        {
            _holding.Value = true;
            return await write();
        }
        finally
        {
            _holding.Value = false;
            _turn.Release();
        }
    }
}
