using ChunkUploader.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ChunkUploader.Tests.Data;

[TestClass]
public sealed class TransientDatabaseFailuresTests
{
    [TestMethod]
    public void SQLite_busy_and_locked_pass_but_a_constraint_violation_does_not()
    {
        Assert.IsTrue(TransientDatabaseFailures.Is(new SqliteException("database is locked", 5)));
        Assert.IsTrue(TransientDatabaseFailures.Is(new SqliteException("database table is locked", 6)));
        Assert.IsFalse(TransientDatabaseFailures.Is(new SqliteException("UNIQUE constraint failed", 19)));
    }

    [TestMethod]
    public void A_failure_wrapped_by_EF_Core_is_judged_by_what_it_wraps()
    {
        Assert.IsTrue(TransientDatabaseFailures.Is(new DbUpdateException("saving failed", new SqliteException("database is locked", 5))));
        Assert.IsFalse(TransientDatabaseFailures.Is(new DbUpdateException("saving failed", new SqliteException("UNIQUE constraint failed", 19))));
    }

    [TestMethod]
    public void PostgreSQL_timeouts_and_a_waited_out_write_queue_pass()
    {
        Assert.IsTrue(TransientDatabaseFailures.Is(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
        Assert.IsTrue(TransientDatabaseFailures.Is(new TimeoutException("waited for the write lock")));
    }

    [TestMethod]
    public void Other_failures_are_not_mistaken_for_passing_ones()
    {
        Assert.IsFalse(TransientDatabaseFailures.Is(new IOException("No space left on device")));
        Assert.IsFalse(TransientDatabaseFailures.Is(new InvalidOperationException("a bug")));
        Assert.IsFalse(TransientDatabaseFailures.Is(new NpgsqlException("bad SQL")));
    }
}
