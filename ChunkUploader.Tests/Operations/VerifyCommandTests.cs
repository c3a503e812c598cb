using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary><c>verify</c> against files changed, deleted and added behind the app's back.</summary>
[TestClass]
public sealed class VerifyCommandTests
{
    [TestMethod]
    public async Task Verify_reports_an_altered_a_deleted_and_an_unreadable_file_and_a_file_without_record_and_exits_non_zero()
    {
        using var site = new Installation("verify");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        var ids = new List<Guid>();
        string userKey;
        await using (var server = await site.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            foreach (var name in new[] { "altered.bin", "deleted.bin", "intact.bin", "unreadable.bin" })
                ids.Add(UploadEndpointTests.SingleCompletion(await session.UploadAsync(TestFile.Random(150_000, 64 * 1024, name))));
            foreach (var id in ids) await session.WaitForHashAsync(id);
            userKey = (await session.UploadAsync(ids[0])).GetProperty("userId").GetString()!.ToLowerInvariant();
        }
        var clean = await site.RunAsync("verify");

        var filesOfUser = Path.Combine(site.StorageRoot, "files", userKey);
        await using (var altered = new FileStream(Path.Combine(filesOfUser, ids[0].ToString("N")), FileMode.Open, FileAccess.ReadWrite))
        {
            altered.Position = 1000;
            var original = altered.ReadByte();
            altered.Position = 1000;
            altered.WriteByte((byte)(original ^ 0x01)); // one flipped bit, as bit rot would do
        }
        File.Delete(Path.Combine(filesOfUser, ids[1].ToString("N")));
        // A folder where a file must be read: the volume refuses it, as it would a file it cannot read.
        var unreadable = Path.Combine(filesOfUser, ids[3].ToString("N"));
        File.Delete(unreadable);
        Directory.CreateDirectory(unreadable);
        var stray = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(filesOfUser, stray), "dropped here by hand");
        // Named like a finished file, but not where finished files live.
        await File.WriteAllTextAsync(Path.Combine(site.StorageRoot, "files", ids[2].ToString("N")), "beside the owners' folders");
        Directory.CreateDirectory(Path.Combine(filesOfUser, "nested"));
        await File.WriteAllTextAsync(Path.Combine(filesOfUser, "nested", ids[2].ToString("N")), "in a folder of its own");

        var damaged = await site.RunAsync("verify");

        Assert.AreEqual(0, clean.ExitCode, clean.ToString());
        StringAssert.Contains(clean.Output, "4 files checked: 0 altered, 0 missing, 0 unreadable, 0 without a record");
        Assert.AreEqual(1, damaged.ExitCode, damaged.ToString());
        StringAssert.Contains(damaged.Output, $"ALTERED     upload {ids[0]} (altered.bin)");
        StringAssert.Contains(damaged.Output, $"MISSING     upload {ids[1]} (deleted.bin)");
        StringAssert.Contains(damaged.Output, $"UNREADABLE  upload {ids[3]} (unreadable.bin)");
        StringAssert.Contains(damaged.Output, $"UNRECORDED  files/{userKey}/{stray}");
        StringAssert.Contains(damaged.Output, $"UNRECORDED  files/{ids[2]:N}");
        StringAssert.Contains(damaged.Output, $"UNRECORDED  files/{userKey}/nested/{ids[2]:N}");
        Assert.IsFalse(damaged.Output.Contains(ids[2].ToString()), "the intact file is not reported");
        StringAssert.Contains(damaged.Output, "2 files checked: 1 altered, 1 missing, 1 unreadable, 3 without a record");
        Assert.AreEqual(2, await site.ScalarAsync("SELECT count(*) FROM AuditEvents WHERE Action = 'verify'"));
    }
}
