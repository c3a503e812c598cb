using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Tests.Data;

[TestClass]
public sealed class SqliteWriteQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task Writes_to_SQLite_run_one_at_a_time_in_the_order_they_arrived()
    {
        await using var db = Sqlite();
        var queue = new SqliteWriteQueue();
        var first = new TaskCompletionSource();
        var order = new List<int>();
        var running = 0;
        var mostAtOnce = 0;

        async Task<int> Write(int number, Task? holdUntil = null)
        {
            mostAtOnce = Math.Max(mostAtOnce, Interlocked.Increment(ref running));
            lock (order) order.Add(number);
            if (holdUntil is not null) await holdUntil;
            await Task.Yield();
            Interlocked.Decrement(ref running);
            return number;
        }

        var holder = queue.RunAsync(db, () => Write(0, first.Task), CancellationToken.None);
        var queued = new List<Task<int>>();
        for (var number = 1; number <= 5; number++)
        {
            var next = number;
            queued.Add(queue.RunAsync(db, () => Write(next), CancellationToken.None));
        }
        Assert.IsTrue(queued.All(t => !t.IsCompleted), "A write ran while another held the queue.");

        first.SetResult();
        await Task.WhenAll(queued.Append(holder)).WaitAsync(Bound);
        Assert.AreEqual(1, mostAtOnce);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5 }, order);
    }

    [TestMethod]
    public async Task A_write_cancelled_while_waiting_never_runs_and_frees_its_place()
    {
        await using var db = Sqlite();
        var queue = new SqliteWriteQueue();
        var release = new TaskCompletionSource();
        var holder = queue.RunAsync(db, async () => { await release.Task; return 0; }, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var waiting = queue.RunAsync(db, () => { ran = true; return Task.FromResult(1); }, cancel.Token);

        cancel.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await holder.WaitAsync(Bound);
        Assert.IsFalse(ran);
        Assert.AreEqual(2, await queue.RunAsync(db, () => Task.FromResult(2), CancellationToken.None).WaitAsync(Bound));
    }

    [TestMethod]
    public async Task A_write_that_fails_passes_its_turn_on()
    {
        await using var db = Sqlite();
        var queue = new SqliteWriteQueue();
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
            queue.RunAsync<int>(db, () => throw new InvalidOperationException("the statement failed"), CancellationToken.None));
        Assert.AreEqual(3, await queue.RunAsync(db, () => Task.FromResult(3), CancellationToken.None).WaitAsync(Bound));
    }

    [TestMethod]
    public async Task A_write_that_queues_another_is_refused_instead_of_waiting_for_itself()
    {
        await using var db = Sqlite();
        var queue = new SqliteWriteQueue();
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
            queue.RunAsync(db, () => queue.RunAsync(db, () => Task.FromResult(1), CancellationToken.None), CancellationToken.None).WaitAsync(Bound));
        Assert.AreEqual(2, await queue.RunAsync(db, () => Task.FromResult(2), CancellationToken.None).WaitAsync(Bound), "the turn was passed on");
    }

    [TestMethod]
    public async Task Writes_to_PostgreSQL_do_not_queue()
    {
        await using var db = new PostgreSqlAppDbContext(new DbContextOptionsBuilder<PostgreSqlAppDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        var queue = new SqliteWriteQueue();
        var release = new TaskCompletionSource();
        var holder = queue.RunAsync(db, async () => { await release.Task; return 0; }, CancellationToken.None);

        Assert.AreEqual(1, await queue.RunAsync(db, () => Task.FromResult(1), CancellationToken.None).WaitAsync(Bound));
        release.SetResult();
        await holder.WaitAsync(Bound);
    }

    // The queue never opens the connection: it only asks which database this is.
    private static SqliteAppDbContext Sqlite() =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=:memory:").Options);
}
