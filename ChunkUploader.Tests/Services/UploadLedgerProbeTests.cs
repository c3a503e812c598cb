using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Options = Microsoft.Extensions.Options.Options;

namespace ChunkUploader.Tests.Services;

/// <summary>
/// The probe runs its own SQL, prepared on SQLite (<see cref="SqlitePreparedReads"/>), on the context's connection
/// elsewhere (<see cref="ContextReads"/>); chunks find their upload through an EF query. On both databases all must agree,
/// for every state an upload can be in. Also what the ledger asks the database before and while it records a new file.
/// </summary>
[TestClass]
public sealed class UploadLedgerProbeTests
{
    private const long ChunkSize = 1024;
    private static readonly ChunkLayout Shape = new(5 * ChunkSize, ChunkSize, ForceChunkSize: false);
    private static readonly ChunkLayout OtherShape = new(6 * ChunkSize, ChunkSize, ForceChunkSize: false);

    private static string _folder = "";
    private static string _connectionString = "";
    private static string _postgreSql = "";
    private static string _owner = "";
    private static string _stranger = "";

    [ClassInitialize]
    public static async Task SeedAsync(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("probe-").FullName;
        _connectionString = $"Data Source={Path.Combine(_folder, "app.db")}";
        _postgreSql = DatabaseServiceCollectionExtensions.PostgreSqlConnectionString((await TestDatabase.NewPostgreSqlAsync("probe")).ConnectionString);
        var owner = new IdentityUser("owner@probe.test");
        var stranger = new IdentityUser("stranger@probe.test");
        (_owner, _stranger) = (owner.Id, stranger.Id);
        await using (var db = Context())
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;"); // as the app runs it
            await SeedAsync(db, owner, stranger);
        }
        await using (var db = PostgreSqlContext())
        {
            await db.Database.MigrateAsync();
            await SeedAsync(db, owner, stranger);
        }
    }

    /// <summary>The same uploads in both databases: one in every state the probe tells apart.</summary>
    private static async Task SeedAsync(AppDbContext db, IdentityUser owner, IdentityUser stranger)
    {
        db.Users.AddRange(owner, stranger);
        var receiving = Add(db, _owner, "receiving", Shape, UploadStatus.Receiving);
        db.UploadChunks.Add(new UploadChunk { UploadId = receiving.Id, Number = 2, Size = ChunkSize, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow, RecordedAt = DateTime.UtcNow });
        db.UploadChunks.Add(new UploadChunk { UploadId = receiving.Id, Number = 3, Size = ChunkSize, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow.AddMinutes(1) });
        Add(db, _owner, "assembling", Shape, UploadStatus.Assembling);
        Add(db, _owner, "complete", Shape, UploadStatus.Complete, completedAt: DateTime.UtcNow);
        Add(db, _owner, "other-shape", OtherShape, UploadStatus.Receiving);
        Add(db, _owner, "complete-other-shape", OtherShape, UploadStatus.Complete, completedAt: DateTime.UtcNow);
        foreach (var status in new[] { UploadStatus.Cancelled, UploadStatus.Expired, UploadStatus.Failed, UploadStatus.Rejected, UploadStatus.Deleted })
            Add(db, _owner, $"ended-{status}", Shape, status);
        // A live upload of another shape comes before a completed one.
        Add(db, _owner, "live-and-complete", Shape, UploadStatus.Complete, completedAt: DateTime.UtcNow.AddHours(-1));
        Add(db, _owner, "live-and-complete", OtherShape, UploadStatus.Receiving);
        Add(db, _owner, "two-complete", new ChunkLayout(5 * ChunkSize, ChunkSize, ForceChunkSize: true), UploadStatus.Complete, completedAt: DateTime.UtcNow.AddHours(-2));
        Add(db, _owner, "two-complete", new ChunkLayout(5 * ChunkSize, ChunkSize, ForceChunkSize: true), UploadStatus.Complete, completedAt: DateTime.UtcNow.AddHours(-1));
        await db.SaveChangesAsync();
    }

    private AppDbContext _db = null!;
    private SqlitePreparedReads _prepared = null!;

    [TestInitialize]
    public void OpenContextAndPreparedReads()
    {
        _db = Context();
        _prepared = new SqlitePreparedReads(_connectionString);
    }

    [TestCleanup]
    public async Task CloseContextAndPreparedReads()
    {
        _prepared.Dispose();
        await _db.DisposeAsync();
    }

    [ClassCleanup]
    public static void DeleteDatabase()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    public static IEnumerable<object?[]> Probes =>
    [
        ["nothing", Shape, 1, null],
        ["receiving", Shape, 2, Held(Shape)],
        ["receiving", Shape, 1, NotHeld(Shape)],
        ["receiving", Shape, 3, NotHeld(Shape)], // claimed, not yet recorded
        ["assembling", Shape, 4, Held(Shape)],
        ["complete", Shape, 5, Held(Shape)],
        ["complete", OtherShape, 1, null], // another file under the same identifier: not this one
        ["other-shape", Shape, 1, NotHeld(OtherShape)], // the caller refuses the mismatch
        ["complete-other-shape", Shape, 1, null],
        ["ended-Cancelled", Shape, 1, null],
        ["ended-Expired", Shape, 1, null],
        ["ended-Failed", Shape, 1, null],
        ["ended-Rejected", Shape, 1, null],
        ["ended-Deleted", Shape, 1, null],
        ["live-and-complete", Shape, 1, NotHeld(OtherShape)],
        ["two-complete", new ChunkLayout(5 * ChunkSize, ChunkSize, ForceChunkSize: true), 1, new ProbedUpload(5 * ChunkSize, ChunkSize, true, true)],
    ];

    [TestMethod]
    [DynamicData(nameof(Probes))]
    public async Task Every_probe_finds_the_upload_the_chunks_find_and_says_whether_it_holds_the_chunk(string identifier, ChunkLayout layout, int chunk, ProbedUpload? expected)
    {
        var request = Request(identifier, chunk, layout);
        await using var postgreSql = PostgreSqlContext();

        Assert.AreEqual(expected, await Ledger(_db, _prepared).ProbeAsync(_owner, request, CancellationToken.None), "SQLite, prepared");
        Assert.AreEqual(expected, await Ledger(_db, preparedReads: null).ProbeAsync(_owner, request, CancellationToken.None), "SQLite, on the context's connection");
        Assert.AreEqual(expected, await Ledger(postgreSql, preparedReads: null).ProbeAsync(_owner, request, CancellationToken.None), "PostgreSQL");
        foreach (var (name, db) in new[] { ("SQLite", _db), ("PostgreSQL", (AppDbContext)postgreSql) })
        {
            var found = await Ledger(db, preparedReads: null).FindExistingAsync(_owner, request, CancellationToken.None);
            Assert.AreEqual<(long, long, bool)?>(expected is null ? null : (expected.TotalSize, expected.ChunkSize, expected.ForceChunkSize),
                found is null ? null : (found.TotalSize, found.ChunkSize, found.ForceChunkSize), $"{name}: the upload a chunk would find");
        }
    }

    [TestMethod]
    public async Task Another_users_upload_is_never_found()
    {
        var request = Request("receiving", 2, Shape);
        await using var postgreSql = PostgreSqlContext();
        Assert.IsNull(await Ledger(_db, _prepared).ProbeAsync(_stranger, request, CancellationToken.None));
        Assert.IsNull(await Ledger(_db, preparedReads: null).ProbeAsync(_stranger, request, CancellationToken.None));
        Assert.IsNull(await Ledger(postgreSql, preparedReads: null).ProbeAsync(_stranger, request, CancellationToken.None));
    }

    [TestMethod]
    public async Task A_prepared_read_sees_what_was_committed_after_it_was_prepared()
    {
        var ledger = Ledger(_db, _prepared);
        var request = Request("arrives-later", 1, Shape);
        Assert.IsNull(await ledger.ProbeAsync(_owner, request, CancellationToken.None));

        var upload = Add(_db, _owner, "arrives-later", Shape, UploadStatus.Receiving);
        _db.UploadChunks.Add(new UploadChunk { UploadId = upload.Id, Number = 1, Size = ChunkSize, ClaimToken = Guid.NewGuid(), LeaseUntil = DateTime.UtcNow, RecordedAt = DateTime.UtcNow });
        await _db.SaveChangesAsync();

        Assert.AreEqual(Held(Shape), await ledger.ProbeAsync(_owner, request, CancellationToken.None));
    }

    [TestMethod]
    public async Task Inside_an_open_write_transaction_a_prepared_read_neither_waits_nor_sees_its_uncommitted_rows()
    {
        var ledger = Ledger(_db, _prepared);
        var request = Request("inside-a-transaction", 1, Shape);
        await using var transaction = await _db.Database.BeginTransactionAsync();

        Assert.IsTrue(ledger.IsSurelyNew(_owner, request), "what the transaction sees before it writes");
        Add(_db, _owner, "inside-a-transaction", Shape, UploadStatus.Receiving);
        await _db.SaveChangesAsync();
        Assert.IsTrue(ledger.IsSurelyNew(_owner, request), "so the ledger asks before it writes anything");
        await transaction.RollbackAsync();
    }

    [TestMethod]
    public async Task Only_the_prepared_lookup_can_say_surely_new()
    {
        var fresh = Request("never-seen", 1, Shape);
        var known = Request("receiving", 1, Shape);
        Assert.IsTrue(Ledger(_db, _prepared).IsSurelyNew(_owner, fresh));
        Assert.IsFalse(Ledger(_db, _prepared).IsSurelyNew(_owner, known));
        Assert.IsFalse(Ledger(_db, preparedReads: null).IsSurelyNew(_owner, fresh), "without prepared reads the full lookup decides");
    }

    [TestMethod]
    public void Without_prepared_reads_a_file_may_be_new_without_a_lookup()
    {
        Assert.IsTrue(Ledger(_db, _prepared).MayBeNew(_owner, Request("never-seen", 1, Shape)));
        Assert.IsFalse(Ledger(_db, _prepared).MayBeNew(_owner, Request("receiving", 1, Shape)), "the prepared lookup found it");
        Assert.IsTrue(Ledger(_db, preparedReads: null).MayBeNew(_owner, Request("receiving", 1, Shape)), "no round trip asked: the record looks again");
    }

    [TestMethod]
    public async Task Recording_a_new_file_sets_no_savepoint_and_the_next_user_of_the_context_gets_them_back()
    {
        var savepoints = new SavepointCount();
        // As the app holds its contexts: pooled, one at a time here, so that the second is the first one back.
        var pool = new PooledDbContextFactory<SqliteAppDbContext>(ContextOptions<SqliteAppDbContext>(savepoints), poolSize: 1);
        var request = Request("recorded-whole", 1, new ChunkLayout(ChunkSize, ChunkSize, ForceChunkSize: false));
        var id = Guid.CreateVersion7();

        var db = pool.CreateDbContext();
        var recorded = await Ledger(db, _prepared).CreateWholeAsync(id, _owner, request, DateTime.UtcNow, new string('0', 64), null, _ => null, CancellationToken.None);
        await db.DisposeAsync();

        Assert.AreEqual(id, recorded.Value?.Id, recorded.Rejection?.Message);
        Assert.AreEqual(0, savepoints.Created, "a failed insert rolls the whole transaction back: a savepoint around it is two statements for nothing");
        await using var next = pool.CreateDbContext();
        Assert.AreSame(db, next, "the pool handed the same context out again");
        Assert.IsTrue(next.Database.AutoSavepointsEnabled, "the pool restored EF's default for whoever uses the context next");
    }

    private sealed class SavepointCount : DbTransactionInterceptor
    {
        public int Created { get; private set; }

        public override ValueTask<InterceptionResult> CreatingSavepointAsync(System.Data.Common.DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            Created++;
            return ValueTask.FromResult(result);
        }
    }

    [TestMethod]
    public void Prepared_connections_never_write()
    {
        var refused = Assert.ThrowsExactly<SqliteException>(() => _prepared.Read("DELETE FROM \"Uploads\"", [], reader => reader.RecordsAffected));
        StringAssert.Contains(refused.Message, "readonly");
        Assert.AreEqual(1L, _prepared.Read("SELECT 1", [], reader => reader.Read() ? reader.GetInt64(0) : 0), "a failed read does not spoil the next");
    }

    private static ChunkRequest Request(string identifier, int chunk, ChunkLayout layout) => new(chunk, layout, identifier, "f.bin", "f.bin", "");

    private static ProbedUpload Held(ChunkLayout shape) => new(shape.TotalSize, shape.ChunkSize, shape.ForceChunkSize, HoldsChunk: true);
    private static ProbedUpload NotHeld(ChunkLayout shape) => new(shape.TotalSize, shape.ChunkSize, shape.ForceChunkSize, HoldsChunk: false);

    private static Upload Add(AppDbContext db, string userId, string identifier, ChunkLayout shape, UploadStatus status, DateTime? completedAt = null)
    {
        var upload = new Upload
        {
            Id = Guid.CreateVersion7(), UserId = userId, Identifier = identifier, FileName = "f.bin", RelativePath = "f.bin",
            TotalSize = shape.TotalSize, ChunkSize = shape.ChunkSize, ForceChunkSize = shape.ForceChunkSize, TotalChunks = shape.ChunkCount,
            Status = status, StartedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, CompletedAt = completedAt,
        };
        db.Uploads.Add(upload);
        return upload;
    }

    private static UploadLedger Ledger(AppDbContext db, SqlitePreparedReads? preparedReads) =>
        new(db, new SqliteWriteQueue(), TimeProvider.System, new InstanceName("test"), Options.Create(new UploadOptions()), preparedReads);

    private static SqliteAppDbContext Context() => new(ContextOptions<SqliteAppDbContext>());

    private static PostgreSqlAppDbContext PostgreSqlContext() =>
        new(new DbContextOptionsBuilder<PostgreSqlAppDbContext>().UseNpgsql(_postgreSql)
            .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);

    private static DbContextOptions<T> ContextOptions<T>(params IInterceptor[] interceptors) where T : DbContext =>
        new DbContextOptionsBuilder<T>().UseSqlite(_connectionString).AddInterceptors(interceptors)
            .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
}
