using System.Diagnostics;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.Playwright;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The upload page through a network that goes away, resets connections, is slow, or says "come back later".</summary>
[TestClass]
[DoNotParallelize]
public sealed class NetworkTroublePageTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task Twenty_seconds_offline_mid_upload_waits_for_the_network_without_spending_retries_then_finishes_byte_identical()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var (file, traffic, release) = await UploadHalfwayAsync(page, "offline.bin", acknowledged: 6);
        await context.SetOfflineAsync(true);
        release();

        var row = Row(page, "offline.bin");
        await Expect(row).ToHaveAttributeAsync("data-state", "waiting", new() { Timeout = 10_000 });
        await Expect(row).ToContainTextAsync("Waiting for the network");
        await Expect(page.Locator("#offline")).ToBeVisibleAsync();
        var postsWhenWaiting = traffic.Posts;
        await page.WaitForTimeoutAsync(20_000);
        Assert.AreEqual(postsWhenWaiting, traffic.Posts, "no chunk is tried while the browser is offline");
        await Expect(row).ToHaveAttributeAsync("data-state", "waiting");
        Assert.AreNotEqual("100", await row.Locator(".progress").GetAttributeAsync("aria-valuenow"));

        await context.SetOfflineAsync(false);
        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        CollectionAssert.AreEqual(Array.Empty<int>(), traffic.ResentAfterAcknowledgement.ToArray(), "no acknowledged chunk was sent again");
    }

    [TestMethod]
    public async Task Chunk_requests_cut_off_by_a_connection_reset_are_retried_and_the_file_arrives_byte_identical()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = LocalFile("reset.bin", 12 * ChunkSize);
        int[] cutOff = [2, 5, 6, 9];
        var aborted = new HashSet<int>();
        await page.RouteAsync(UploadUrl(), async route =>
        {
            var number = ChunkNumber(route.Request.Url);
            bool abort;
            lock (aborted) abort = route.Request.Method == "POST" && cutOff.Contains(number) && aborted.Add(number);
            if (abort) await route.AbortAsync("connectionreset");
            else await route.ContinueAsync();
        });
        var traffic = new ChunkTraffic(page);

        await ChooseFilesAsync(page, file);

        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        Assert.HasCount(cutOff.Length, aborted, "every planned reset happened");
        Assert.AreEqual(12 + cutOff.Length, traffic.Posts, "each reset chunk was sent exactly once more");
    }

    [TestMethod]
    [DataRow(4, DisplayName = "a file of four chunks")]
    [DataRow(1, DisplayName = "a file of one chunk")]
    public async Task A_final_chunk_whose_answer_is_lost_is_retried_and_the_row_says_complete_not_already_uploaded(int chunks)
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = LocalFile($"lost-answer-{chunks}.bin", chunks * ChunkSize + 1000);
        var lost = 0;
        await page.RouteAsync(UploadUrl(), async route =>
        {
            if (route.Request.Method == "POST" && ChunkNumber(route.Request.Url) == chunks && Interlocked.Exchange(ref lost, 1) == 0)
            {
                // The server receives and records the last chunk; its answer never reaches the page.
                var body = chunks == 1 ? WithWholeFile(route.Request.PostDataBuffer!, await File.ReadAllBytesAsync(file)) : null;
                var answer = await route.FetchAsync(new() { PostData = body });
                Assert.AreEqual(200, answer.Status, await answer.TextAsync());
                await route.AbortAsync("connectionreset");
            }
            else await route.ContinueAsync();
        });

        await ChooseFilesAsync(page, file);

        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        Assert.AreEqual(1, lost, "the last chunk's answer was lost once");
        var row = Row(page, Path.GetFileName(file));
        await Expect(row).ToContainTextAsync("Complete");
        await Expect(row).Not.ToContainTextAsync("Already uploaded");
    }

    // Chromium leaves a whole File (not a slice of one) out of the body it shows Playwright: put its bytes back.
    private static byte[] WithWholeFile(byte[] captured, byte[] file)
    {
        var part = captured.AsSpan().IndexOf("name=\"file\""u8);
        var content = part + captured.AsSpan(part).IndexOf("\r\n\r\n"u8) + 4;
        return [.. captured[..content], .. file, .. captured[content..]];
    }

    [TestMethod]
    public async Task A_one_megabit_uplink_finishes_the_file_without_any_chunk_timing_out()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        const int bytesPerSecond = 1_000_000 / 8;
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false,
            ["latency"] = 80,
            ["downloadThroughput"] = 4 * bytesPerSecond,
            ["uploadThroughput"] = bytesPerSecond,
        });
        var file = LocalFile("slow-link.bin", 6 * ChunkSize);
        var traffic = new ChunkTraffic(page);
        var clock = Stopwatch.StartNew();

        await ChooseFilesAsync(page, file);

        var id = await AssertRowDoneAsync(page, file);
        clock.Stop();
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        Assert.AreEqual(6, traffic.Posts, "every chunk went through at its first attempt");
        Assert.AreEqual(0, traffic.Refused);
        // Proof the link really was throttled: 1.5 MiB cannot cross 1 Mbit/s in much under 12.6 s.
        Assert.IsGreaterThan(0.8 * 6 * ChunkSize / bytesPerSecond, clock.Elapsed.TotalSeconds, $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [TestMethod]
    public async Task Busy_answers_are_retried_after_the_servers_Retry_After_and_the_file_completes()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = LocalFile("busy.bin", 6 * ChunkSize);
        var busy = new Dictionary<int, (int Status, DateTime At)> { [2] = (503, default), [4] = (429, default) };
        var retriedAfter = new Dictionary<int, TimeSpan>();
        await page.RouteAsync(UploadUrl(), async route =>
        {
            var number = ChunkNumber(route.Request.Url);
            int? refuseWith = null;
            if (route.Request.Method == "POST")
                lock (busy)
                    if (busy.TryGetValue(number, out var answer))
                    {
                        if (answer.At == default) (busy[number], refuseWith) = ((answer.Status, DateTime.UtcNow), answer.Status);
                        else retriedAfter.TryAdd(number, DateTime.UtcNow - answer.At);
                    }
            if (refuseWith is { } status)
                await route.FulfillAsync(new() { Status = status, Body = "Busy; come back later.", Headers = new Dictionary<string, string> { ["Retry-After"] = "3" } });
            else
                await route.ContinueAsync();
        });

        await ChooseFilesAsync(page, file);
        await Expect(Row(page, "busy.bin")).ToHaveAttributeAsync("data-state", "retrying");

        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        Assert.HasCount(2, retriedAfter, "both busy chunks were sent again");
        foreach (var (number, wait) in retriedAfter)
            Assert.IsGreaterThanOrEqualTo(2.8, wait.TotalSeconds, $"chunk {number} waited the 3 s the server asked for");
    }
}
