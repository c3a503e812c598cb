using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads;
using ChunkUploader.Web.Services.Uploads.Storage;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class StoragePathsTests
{
    private static StoragePaths Paths(string root) =>
        new(Microsoft.Extensions.Options.Options.Create(new StorageOptions { Root = root }), new TestHostEnvironment("/srv/app"));

    [TestMethod]
    public void A_relative_root_is_taken_from_the_content_root()
    {
        Assert.AreEqual("/srv/app/data", Paths("data").Root);
    }

    [TestMethod]
    public void An_identity_user_id_is_its_own_directory_name()
    {
        Assert.AreEqual("2f1c9a8e-0b7d-4c55-9d1e-3f3b7a1c2d4e", StoragePaths.UserKey("2F1C9A8E-0B7D-4C55-9D1E-3F3B7A1C2D4E"));
    }

    [TestMethod]
    [DataRow("../../etc")]
    [DataRow("/absolute")]
    [DataRow("a/b")]
    [DataRow("..")]
    [DataRow("")]
    public void Any_other_user_id_is_hashed_into_a_plain_name(string userId)
    {
        var key = StoragePaths.UserKey(userId);

        StringAssert.Matches(key, new System.Text.RegularExpressions.Regex("^u[0-9a-f]{32}$"));
    }

    [TestMethod]
    public void Upload_paths_stay_under_the_root()
    {
        var paths = Paths("/var/chunkuploader");
        var id = Guid.NewGuid();

        Assert.AreEqual($"/var/chunkuploader/chunks/{StoragePaths.UserKey("../x")}/{id:N}/data.part", paths.PartialFile("../x", id));
        Assert.AreEqual($"/var/chunkuploader/files/abc/{id:N}", paths.FinishedFile("abc", id));
    }
}
