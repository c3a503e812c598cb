using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class StorageFailedExceptionTests
{
    [TestMethod]
    [DataRow(28, true, DisplayName = "ENOSPC")]
    [DataRow(122, true, DisplayName = "EDQUOT")]
    [DataRow(unchecked((int)0x80070070), true, DisplayName = "ERROR_DISK_FULL")]
    [DataRow(5, false, DisplayName = "EIO")]
    [DataRow(30, false, DisplayName = "EROFS")]
    public void A_failure_is_a_full_volume_only_for_the_out_of_space_errors(int hresult, bool full)
    {
        Assert.AreEqual(full, new StorageFailedException(new IOException("failed", hresult)).Full);
    }
}
