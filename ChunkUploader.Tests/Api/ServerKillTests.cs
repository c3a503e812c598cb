using System.Net;
using System.Security.Cryptography;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>The server killed with SIGKILL in the middle of a chunk, then started again on the same storage and database.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ServerKillTests
{
    [TestMethod]
    public async Task A_chunk_cut_off_by_a_killed_server_is_not_reported_present_after_restart()
    {
        var storage = Path.Combine(AppFixture.Shared.WorkDirectory + "-killed", "storage");
        var user = new TestUser("", $"killed-{Guid.NewGuid():N}@test.local", "Kill-Pass-1234!");
        var file = TestFile.Random(4 * 1024 * 1024, 2 * 1024 * 1024, "survivor.bin");
        try
        {
            await using (var app = await AppProcess.StartAsync(storage, user))
            {
                using var session = await AppFixture.SignInAsync(app.BaseAddress, user);
                using (var first = await session.SendChunkAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);

                var killed = new TaskCompletionSource();
                var halfSent = new HeldContent(file.Chunk(2), file.Chunk(2).Length / 2, killed.Task);
                var sending = session.SendOctetAsync(file, 2, halfSent);
                await halfSent.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await Task.Delay(300); // let the server write what it has received

                await app.KillAsync();
                killed.SetResult();
                await Assert.ThrowsAsync<HttpRequestException>(() => sending);
            }

            await using (var restarted = await AppProcess.StartAsync(storage, user))
            {
                using var session = await AppFixture.SignInAsync(restarted.BaseAddress, user);
                using (var held = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, held.StatusCode, "the whole chunk survived");
                using (var cut = await session.ProbeAsync(file, 2)) Assert.AreEqual(HttpStatusCode.NoContent, cut.StatusCode, "the cut-off chunk is not present");

                var answers = await session.UploadAsync(file, [2]);
                var id = UploadEndpointTests.SingleCompletion(answers);
                var record = await session.WaitForHashAsync(id);
                Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString());
                var userKey = record.GetProperty("userId").GetString()!.ToLowerInvariant();
                await using var stored = File.OpenRead(Path.Combine(storage, "files", userKey, id.ToString("N")));
                Assert.AreEqual(file.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stored)));
            }
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(storage)!, recursive: true); } catch (IOException) { }
        }
    }

    [TestMethod]
    public async Task A_server_killed_around_the_final_chunk_finishes_the_upload_exactly_once_within_30_seconds_of_restart()
    {
        var storage = Path.Combine(AppFixture.Shared.WorkDirectory + "-assembly-kills", "storage");
        var user = new TestUser("", $"assembly-{Guid.NewGuid():N}@test.local", "Kill-Pass-1234!");
        var settings = new Dictionary<string, string> { ["Upload:ClaimLease"] = "00:00:05", ["Upload:MinChunkSize"] = "1024" };
        var app = await AppProcess.StartAsync(storage, user, settings: settings);
        try
        {
            for (var round = 0; round < 10; round++)
            {
                var file = TestFile.Random(24 * 16_384, 16_384, $"assembly-{round}.bin");
                using (var session = await AppFixture.SignInAsync(app.BaseAddress, user))
                {
                    await session.UploadAsync(file, file.Numbers.SkipLast(1), parallel: 3);
                    var final = session.SendChunkAsync(file, file.ChunkCount);
                    await Task.Delay(Random.Shared.Next(0, 61));
                    await app.KillAsync();
                    try { (await final).Dispose(); } catch (HttpRequestException) { }
                }
                await app.DisposeAsync();

                app = await AppProcess.StartAsync(storage, user, settings: settings);
                var restarted = DateTime.UtcNow;
                using var again = await AppFixture.SignInAsync(app.BaseAddress, user);
                // As Resumable.js would: the final chunk again, whatever became of the first send.
                var answer = (await again.UploadAsync(file, [file.ChunkCount])).Single();
                var id = answer.GetProperty("uploadId").GetGuid();
                var record = await again.WaitForHashAsync(id);
                Assert.IsLessThan(30, (DateTime.UtcNow - restarted).TotalSeconds, $"round {round}: complete within 30 s of the restart");

                Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString(), $"round {round}: recorded SHA-256");
                var named = (await again.UploadsAsync($"?name={file.Name}")).GetProperty("items").EnumerateArray().ToList();
                Assert.HasCount(1, named, $"round {round}: one record");
                await using var stored = File.OpenRead(Path.Combine(storage, "files", record.GetProperty("userId").GetString()!.ToLowerInvariant(), id.ToString("N")));
                Assert.AreEqual(file.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stored)), $"round {round}: stored bytes");
            }
        }
        finally
        {
            await app.DisposeAsync();
            try { Directory.Delete(Path.GetDirectoryName(storage)!, recursive: true); } catch (IOException) { }
        }
    }
}
