using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Options = Microsoft.Extensions.Options.Options;

namespace ChunkUploader.Tests.Services;

/// <summary>
/// The probe on SQLite runs its own prepared SQL (<see cref="SqlitePreparedReads"/>), elsewhere the EF query that also
/// finds uploads for chunks: both must give the same answer for every state an upload can be in.
/// </summary>
[TestClass]
public sealed class UploadLedgerProbeTests
{
    private const long ChunkSize = 1024;
    private static readonly ChunkLayout Shape = new(5 * ChunkSize, ChunkSize, ForceChunkSize: false);
    private static readonly ChunkLayout OtherShape = new(6 * ChunkSize, ChunkSize, ForceChunkSize: false);

    private static string _folder = "";
    private static string _connectionString = "";
    private static string _owner = "";
    private static string _stranger = "";

    [ClassInitialize]
    public static async Task SeedAsync(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("probe-").FullName;
        _connectionString = $"Data Source={Path.Combine(_folder, "app.db")}";
        await using var db = Context();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;"); // as the app runs it
        var owner = new IdentityUser("owner@probe.test");
        var stranger = new IdentityUser("stranger@probe.test");
        db.Users.AddRange(owner, stranger);
        (_owner, _stranger) = (owner.Id, stranger.Id);

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
    public async Task The_prepared_probe_and_the_EF_query_give_the_same_answer(string identifier, ChunkLayout layout, int chunk, ProbedUpload? expected)
    {
        var request = Request(identifier, chunk, layout);

        var throughEf = await Ledger(_db, preparedReads: null).ProbeAsync(_owner, request, CancellationToken.None);
        var throughPrepared = await Ledger(_db, _prepared).ProbeAsync(_owner, request, CancellationToken.None);

        Assert.AreEqual(expected, throughEf, "EF");
        Assert.AreEqual(expected, throughPrepared, "prepared");
    }

    [TestMethod]
    public async Task Another_users_upload_is_never_found()
    {
        var request = Request("receiving", 2, Shape);
        Assert.IsNull(await Ledger(_db, _prepared).ProbeAsync(_stranger, request, CancellationToken.None));
        Assert.IsNull(await Ledger(_db, preparedReads: null).ProbeAsync(_stranger, request, CancellationToken.None));
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

    private static SqliteAppDbContext Context() =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(_connectionString)
            .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);
}
