using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary>A backup of a running server with an upload in progress, restored into a new installation that a new server serves.</summary>
[TestClass]
public sealed class BackupRestoreTests
{
    [TestMethod]
    public async Task A_backup_taken_during_an_upload_restores_every_completed_file_byte_identical_with_its_history()
    {
        using var original = new Installation("original");
        using var restored = new Installation("restored");
        var backup = original.Sibling("backup");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        var big = TestFile.Random(1_500_000, 256 * 1024, "big.bin");
        var small = TestFile.Random(100_000, 64 * 1024, "small.bin");
        var unfinished = TestFile.Random(600_000, 64 * 1024, "unfinished.bin");
        var completeIds = new Dictionary<Guid, TestFile>();

        await using (var server = await original.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            foreach (var file in new[] { big, small })
            {
                var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
                await session.WaitForHashAsync(id);
                completeIds[id] = file;
            }
            await session.UploadAsync(unfinished, [1, 2]);

            var backedUp = await original.RunSuccessfullyAsync("backup", backup);
            StringAssert.Contains(backedUp.Output, "2 files");
        }

        var manifest = (await File.ReadAllLinesAsync(Path.Combine(backup, "manifest.sha256"))).Select(l => l.Split("  ")[0]).ToList();
        CollectionAssert.AreEquivalent(new[] { big.Sha256, small.Sha256 }, manifest);

        var restoredRun = await restored.RunSuccessfullyAsync("restore", backup);
        StringAssert.Contains(restoredRun.Output, "1 uploads that were in progress are marked Expired");
        Assert.AreEqual(0L, await restored.ScalarAsync("SELECT count(*) FROM \"UploadChunks\""), "the expired upload's chunk rows went with it");
        var again = await restored.RunAsync("restore", backup);
        Assert.AreEqual(1, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Error, "not empty");

        await using var newServer = await restored.StartServerAsync(user);
        using var newSession = await AppFixture.SignInAsync(newServer.BaseAddress, user);
        var history = (await newSession.UploadsAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.AreEqual(3, history.Count, "every upload's record came back");
        Assert.AreEqual("Expired", Single(history, unfinished.Name).GetProperty("status").GetString());
        foreach (var (id, file) in completeIds)
        {
            var record = Single(history, file.Name);
            Assert.AreEqual(id.ToString(), record.GetProperty("id").GetString());
            Assert.AreEqual("Complete", record.GetProperty("status").GetString());
            Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString());
            using var download = await newSession.Client.GetAsync($"Uploads/{id}/download");
            Assert.AreEqual(HttpStatusCode.OK, download.StatusCode);
            Assert.AreEqual(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync())), file.Name);
        }
    }

    [TestMethod]
    public async Task A_restore_refuses_a_backup_that_no_longer_matches_its_manifest_and_writes_nothing()
    {
        using var original = new Installation("damaged-source");
        using var target = new Installation("damaged-target");
        var backup = original.Sibling("backup");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        await using (var server = await original.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            await session.WaitForHashAsync(UploadEndpointTests.SingleCompletion(await session.UploadAsync(TestFile.Random(200_000, 64 * 1024, "kept.bin"))));
        }
        await original.RunSuccessfullyAsync("backup", backup);
        var copied = Directory.EnumerateFiles(Path.Combine(backup, "files"), "*", SearchOption.AllDirectories).Single();
        await using (var stream = File.OpenWrite(copied)) stream.WriteByte(0xFF);

        var refused = await target.RunAsync("restore", backup);

        Assert.AreEqual(1, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "does not match its manifest");
        StringAssert.Contains(refused.Error, "ALTERED");
        Assert.IsFalse(File.Exists(target.DatabaseFile), "nothing was restored");
        Assert.IsFalse(Directory.Exists(Path.Combine(target.StorageRoot, "files")));
    }

    private static JsonElement Single(List<JsonElement> history, string name) =>
        history.Single(u => u.GetProperty("fileName").GetString() == name);
}
