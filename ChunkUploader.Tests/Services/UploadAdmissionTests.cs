using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads;
using ChunkUploader.Web.Services.Uploads.Storage;
using ChunkUploader.Tests.Infrastructure;
using Options = Microsoft.Extensions.Options.Options;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class UploadAdmissionTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "admission-" + Guid.NewGuid().ToString("N")[..8]);

    private static UploadAdmission Admission(long minFreeBytes = 0, int maxInProgress = 20, int maxChunks = 20_000)
    {
        Assert.IsNull(StorageRootMarker.Ensure(Root), "the storage root as the server's start makes it");
        var storage = new StorageOptions { Root = Root, Durable = false, MinFreeBytes = minFreeBytes };
        var uploads = new UploadOptions { MaxUploadsInProgress = maxInProgress, MaxChunksPerFile = maxChunks, MinChunkSize = 1 };
        var store = new FileSystemUploadStore(new StoragePaths(Options.Create(storage), new TestHostEnvironment(Root)), Options.Create(storage));
        return new UploadAdmission(Options.Create(uploads), Options.Create(storage), store, new AllowedContent(Options.Create(uploads)));
    }

    private static ChunkRequest Request(long size, long chunkSize = 1024) =>
        new(1, new ChunkLayout(size, chunkSize, ForceChunkSize: false), "id", "a.bin", "a.bin", "");

    [TestMethod]
    public void A_file_that_fits_every_limit_is_admitted()
    {
        var admission = Admission();
        Assert.IsNull(admission.CheckFile(Request(10_000)));
        Assert.IsNull(admission.CheckUsage(Request(10_000), new UserUsage(BytesHeld: 0, UploadsInProgress: 19, QuotaBytes: 10_000)));
    }

    [TestMethod]
    public void Over_quota_is_413_and_says_what_is_left()
    {
        var refused = Admission().CheckUsage(Request(10_000), new UserUsage(BytesHeld: 5_000, UploadsInProgress: 0, QuotaBytes: 12_000));
        Assert.AreEqual(413, refused?.StatusCode);
        StringAssert.Contains(refused!.Message, "6.84 KiB left");
    }

    [TestMethod]
    public void The_cap_on_uploads_in_progress_is_429_with_a_retry_after()
    {
        var refused = Admission(maxInProgress: 3).CheckUsage(Request(10), new UserUsage(0, UploadsInProgress: 3, QuotaBytes: 1_000));
        Assert.AreEqual(429, refused?.StatusCode);
        Assert.IsNotNull(refused!.RetryAfter);
    }

    [TestMethod]
    public void Too_many_chunks_is_413()
    {
        Assert.AreEqual(413, Admission(maxChunks: 100).CheckFile(Request(101 * 1024))?.StatusCode);
    }

    [TestMethod]
    public void A_volume_short_of_free_space_refuses_new_uploads_with_507()
    {
        var refused = Admission(minFreeBytes: long.MaxValue / 2).CheckUsage(Request(10), new UserUsage(0, 0, 1_000));
        Assert.AreEqual(507, refused?.StatusCode);
    }
}
