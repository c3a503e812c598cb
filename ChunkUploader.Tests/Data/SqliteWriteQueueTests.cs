using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Tests.Data;

[TestClass]
public sealed class SqliteWriteQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly SqliteWriteQueue _queue = new();
    private SqliteAppDbContext _db = null!;

    [TestInitialize]
    public void OpenContext() => _db = Sqlite();

    [TestCleanup]
    public ValueTask CloseContext() => _db.DisposeAsync();

    [TestMethod]
    public async Task Writes_to_SQLite_run_one_at_a_time_in_the_order_they_arrived()
    {
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

        var holder = _queue.RunAsync(_db, () => Write(0, first.Task), CancellationToken.None);
        var queued = new List<Task<int>>();
        for (var number = 1; number <= 5; number++)
        {
            var next = number;
            queued.Add(_queue.RunAsync(_db, () => Write(next), CancellationToken.None));
        }
        Assert.IsTrue(queued.All(t => !t.IsCompleted), "A write ran while another held the _queue.");

        first.SetResult();
        await Task.WhenAll(queued.Append(holder)).WaitAsync(Bound);
        Assert.AreEqual(1, mostAtOnce);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5 }, order);
    }

    [TestMethod]
    public async Task A_write_cancelled_while_waiting_never_runs_and_frees_its_place()
    {
        var release = new TaskCompletionSource();
        var holder = _queue.RunAsync(_db, async () => { await release.Task; return 0; }, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var waiting = _queue.RunAsync(_db, () => { ran = true; return Task.FromResult(1); }, cancel.Token);

        cancel.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await holder.WaitAsync(Bound);
        Assert.IsFalse(ran);
        Assert.AreEqual(2, await NextWriteRunsAsync(_db, 2));
    }

    [TestMethod]
    public async Task A_write_that_fails_passes_its_turn_on()
    {
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
            _queue.RunAsync<int>(_db, () => throw new InvalidOperationException("the statement failed"), CancellationToken.None));
        Assert.AreEqual(3, await NextWriteRunsAsync(_db, 3));
    }

    [TestMethod]
    public async Task A_write_that_queues_another_is_refused_instead_of_waiting_for_itself()
    {
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
            _queue.RunAsync(_db, () => _queue.RunAsync(_db, () => Task.FromResult(1), CancellationToken.None), CancellationToken.None).WaitAsync(Bound));
        Assert.AreEqual(2, await NextWriteRunsAsync(_db, 2), "the turn was passed on");
    }

    [TestMethod]
    public async Task A_write_whose_turn_does_not_come_within_the_wait_gives_up_with_a_timeout_and_never_runs()
    {
        var queue = new SqliteWriteQueue(TimeSpan.FromMilliseconds(200));
        var release = new TaskCompletionSource();
        var holder = queue.RunAsync(_db, async () => { await release.Task; return 0; }, CancellationToken.None);
        var ran = false;

        await Assert.ThrowsExactlyAsync<TimeoutException>(() => queue.RunAsync(_db, () => { ran = true; return Task.FromResult(1); }, CancellationToken.None).WaitAsync(Bound));

        Assert.IsFalse(ran);
        release.SetResult();
        await holder.WaitAsync(Bound);
        Assert.AreEqual(4, await queue.RunAsync(_db, () => Task.FromResult(4), CancellationToken.None).WaitAsync(Bound), "the queue still works");
    }

    [TestMethod]
    public async Task Writes_to_PostgreSQL_do_not_queue()
    {
        await using var postgreSql = new PostgreSqlAppDbContext(new DbContextOptionsBuilder<PostgreSqlAppDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        var release = new TaskCompletionSource();
        var holder = _queue.RunAsync(postgreSql, async () => { await release.Task; return 0; }, CancellationToken.None);

        Assert.AreEqual(1, await NextWriteRunsAsync(postgreSql, 1));
        release.SetResult();
        await holder.WaitAsync(Bound);
    }

    /// <summary>A later write runs (and returns <paramref name="value"/>): the queue was left free.</summary>
    private Task<int> NextWriteRunsAsync(AppDbContext db, int value) =>
        _queue.RunAsync(db, () => Task.FromResult(value), CancellationToken.None).WaitAsync(Bound);

    // The queue never opens the connection: it only asks which database this is.
    private static SqliteAppDbContext Sqlite() =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=:memory:").Options);
}
