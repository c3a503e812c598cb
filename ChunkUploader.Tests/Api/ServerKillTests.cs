using System.Net;
using System.Net.Http.Headers;
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

                var halfSent = new TaskCompletionSource();
                var killed = new TaskCompletionSource();
                var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(file.Parameters(2)))
                {
                    Content = new StallingContent(file.Chunk(2), file.Chunk(2).Length / 2, halfSent, killed.Task),
                };
                request.Headers.Add(ApiSession.TokenHeader, session.Token);
                var sending = session.Client.SendAsync(request);
                await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
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

    /// <summary>Sends part of its bytes, says so, and sends the rest only once the server is dead.</summary>
    private sealed class StallingContent : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly int _sendFirst;
        private readonly TaskCompletionSource _halfSent;
        private readonly Task _resume;

        public StallingContent(byte[] bytes, int sendFirst, TaskCompletionSource halfSent, Task resume)
        {
            (_bytes, _sendFirst, _halfSent, _resume) = (bytes, sendFirst, halfSent, resume);
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes.AsMemory(0, _sendFirst));
            await stream.FlushAsync();
            _halfSent.TrySetResult();
            await _resume;
            await stream.WriteAsync(_bytes.AsMemory(_sendFirst));
            await stream.FlushAsync();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
