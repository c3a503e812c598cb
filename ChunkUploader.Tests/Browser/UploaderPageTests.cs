using System.Security.Cryptography;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The upload page in Debian's Chromium against the app on Kestrel, checked on the server byte for byte.</summary>
[TestClass]
[DoNotParallelize]
public sealed class UploaderPageTests
{
    private static AppFixture App => AppFixture.Shared;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Several_files_including_one_of_50_MB_arrive_byte_identical()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var files = new[] { LocalFile("big.bin", 50 * 1024 * 1024), LocalFile("small.txt", 1234), LocalFile("photo.jpg", 700_000) };

        await ChooseFilesAsync(page, files);
        await Expect(page.Locator("#files li[data-state=uploading]").First).ToBeVisibleAsync();
        await Screenshot(page, "upload-in-progress");

        foreach (var file in files) await AssertRowDoneAndStoredAsync(page, user, file);
        await Expect(page.Locator("#batch-summary")).ToContainTextAsync("3 of 3 files done");
        await Screenshot(page, "upload-done");
    }

    [TestMethod]
    public async Task Dropped_files_upload()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var bytes = RandomNumberGenerator.GetBytes(600_000);

        await page.EvaluateAsync(@"bytes => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], 'dropped.bin', { type: 'application/octet-stream', lastModified: 1700000000000 }));
            document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }", bytes.Select(b => (int)b).ToArray());

        var row = Row(page, "dropped.bin");
        await Expect(row).ToHaveAttributeAsync("data-state", "done");
        await AssertStoredAsync(user, await UploadIdAsync(row), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [TestMethod]
    public async Task A_chosen_folder_uploads_with_its_relative_paths()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var folder = Path.Combine(App.ClientFilesDirectory, "pick-" + Guid.NewGuid().ToString("N")[..6], "holiday");
        Directory.CreateDirectory(Path.Combine(folder, "day1"));
        var inner = LocalFile("day1/beach.bin", 300_000, folder);
        var outer = LocalFile("notes.txt", 5_000, folder);

        await page.Locator("#browse-folder input[type=file]").SetInputFilesAsync(folder);

        await AssertRowDoneAndStoredAsync(page, user, inner, "holiday/day1/beach.bin");
        await AssertRowDoneAndStoredAsync(page, user, outer, "holiday/notes.txt");
        var paths = await RecordsAsync(user, u => u.RelativePath);
        CollectionAssert.IsSubsetOf(new[] { "holiday/day1/beach.bin", "holiday/notes.txt" }, paths);
    }

    [TestMethod]
    public async Task Different_files_of_one_size_and_date_whose_names_differ_only_in_punctuation_are_both_stored()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        // Copies made at once keep one size and date; "x (1).bin" and "x1.bin" read alike once punctuation is dropped.
        var folder = Path.Combine(App.ClientFilesDirectory, "alike-" + Guid.NewGuid().ToString("N")[..6]);
        var copy = LocalFile("x (1).bin", 70_000, folder);
        var other = LocalFile("x1.bin", 70_000, folder);
        foreach (var path in new[] { copy, other }) File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));

        await ChooseFilesAsync(page, copy, other);

        await AssertRowDoneAndStoredAsync(page, user, copy);
        await AssertRowDoneAndStoredAsync(page, user, other);
        Assert.HasCount(2, await RecordsAsync(user, u => u.Id), "two uploads, not one said twice");
    }

    [TestMethod]
    public async Task A_file_chosen_again_after_it_was_uploaded_says_already_uploaded_and_is_stored_once()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        // One of each one-chunk kind: a tiny file is sent without a probe, a larger one is probed first.
        var tiny = LocalFile("tiny.txt", 2_000);
        var larger = LocalFile("larger.bin", 200_000);
        await ChooseFilesAsync(page, tiny, larger);
        await AssertRowDoneAndStoredAsync(page, user, tiny);
        await AssertRowDoneAndStoredAsync(page, user, larger);

        await page.ReloadAsync();
        var probes = new List<string>();
        page.Request += (_, request) => { if (request.Method == "GET" && request.Url.Contains("api/upload?")) lock (probes) probes.Add(request.Url); };
        var posts = CountPosts(page);
        await ChooseFilesAsync(page, tiny, larger);

        foreach (var (name, detail) in new[] { ("tiny.txt", "the server already had it"), ("larger.bin", "nothing was sent") })
        {
            var row = Row(page, name);
            await Expect(row).ToHaveAttributeAsync("data-state", "already");
            await Expect(row.Locator(".file-detail")).ToContainTextAsync(detail);
            await Expect(row.Locator(".file-sha")).ToHaveTextAsync(Sha256Of(name == "tiny.txt" ? tiny : larger));
        }
        Assert.AreEqual(1, posts.Count(url => url.Contains("tiny.txt")), "the tiny file is posted, not probed");
        Assert.AreEqual(0, probes.Count(url => url.Contains("tiny.txt")));
        Assert.AreEqual(0, posts.Count(url => url.Contains("larger.bin")), "the larger file is probed, not posted");
        Assert.HasCount(2, await RecordsAsync(user, u => u.Id), "each file is stored once");
    }

    [TestMethod]
    public async Task Pause_stops_sending_and_resume_finishes_the_file()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = await SlowFileAsync(page, "paused.bin");
        await CountChunkSendsAsync(page);

        await ChooseFilesAsync(page, file);
        var row = Row(page, "paused.bin");
        await Expect(row).ToHaveAttributeAsync("data-state", "uploading");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause paused.bin" }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "paused");
        var whilePaused = await ChunkSendsAsync(page);
        Assert.IsGreaterThan(0, whilePaused, "the page's own count saw the chunks sent before the pause");
        await page.WaitForTimeoutAsync(2000);
        Assert.AreEqual(whilePaused, await ChunkSendsAsync(page), "no chunk is sent while paused");

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume paused.bin" }).ClickAsync();
        await AssertRowDoneAndStoredAsync(page, user, file);
    }

    [TestMethod]
    public async Task A_paused_upload_that_expires_fails_on_resume_with_the_reason_and_retry_sends_the_whole_file()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = await SlowFileAsync(page, "expired-while-paused.bin");
        // Paused only once a chunk is acknowledged: before that the page has nothing to continue (and the server no record).
        var acknowledged = new TaskCompletionSource();
        page.RequestFinished += async (_, request) =>
        {
            if (request.Method == "POST" && await request.ResponseAsync() is { Status: 200 }) acknowledged.TrySetResult();
        };

        await ChooseFilesAsync(page, file);
        var row = Row(page, "expired-while-paused.bin");
        await acknowledged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause expired-while-paused.bin" }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "paused");
        var id = (await RecordsAsync(user, u => u.Id)).Single();
        // The sweep passes over an upload while a chunk cut off by the pause is still being received.
        await Poll.UntilAsync(async () =>
        {
            await App.MakeIdleAsync(id);
            await App.SweepAsync();
            return (await RecordsAsync(user, u => u.Status)).Single() == UploadStatus.Expired;
        }, "the paused upload expires");

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume expired-while-paused.bin" }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "failed");
        await Expect(row).ToContainTextAsync("This upload expired");
        Assert.HasCount(1, await RecordsAsync(user, u => u.Id), "the chunks left after the pause started no upload");

        await row.GetByRole(AriaRole.Button, new() { Name = "Retry expired-while-paused.bin" }).ClickAsync();
        await AssertRowDoneAndStoredAsync(page, user, file);
    }

    [TestMethod]
    public async Task Cancel_deletes_the_chunks_on_the_server()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var cancelling = false;
        var file = await SlowFileAsync(page, "cancelled.bin", givenUp: () => Volatile.Read(ref cancelling));

        await ChooseFilesAsync(page, file);
        var row = Row(page, "cancelled.bin");
        await Expect(row.Locator(".progress")).Not.ToHaveAttributeAsync("aria-valuenow", "0");
        var deleted = page.WaitForResponseAsync(r => r.Request.Method == "DELETE" && r.Url.Contains("api/upload"));
        Volatile.Write(ref cancelling, true);
        await row.GetByRole(AriaRole.Button, new() { Name = "Cancel cancelled.bin" }).ClickAsync();

        Assert.AreEqual(204, (await deleted).Status);
        await Expect(row).ToHaveAttributeAsync("data-state", "cancelled");
        var statuses = await RecordsAsync(user, u => u.Status);
        Assert.AreEqual(UploadStatus.Cancelled, statuses.Single());
        var chunks = App.ChunkDirectory(user.Id);
        await page.WaitForTimeoutAsync(500);
        Assert.IsFalse(Directory.Exists(chunks) && Directory.EnumerateFiles(chunks, "*", SearchOption.AllDirectories).Any(), "chunks deleted");
    }

    [TestMethod]
    public async Task Reload_mid_upload_resumes_without_resending_held_chunks()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        const int chunkCount = SlowFileChunks;
        var file = await SlowFileAsync(page, "resumed.bin");
        var firstPosts = CountPosts(page, okOnly: true);

        await ChooseFilesAsync(page, file);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (firstPosts.Count < 10 && DateTime.UtcNow < deadline) await page.WaitForTimeoutAsync(50);
        await page.ReloadAsync();
        // Let the server finish (record or release) the chunks cut off by the reload: a chunk still claimed would make a
        // resend answer "busy" and be sent twice, and one recorded late would change what the server holds. A chunk whose
        // body had arrived may not have claimed yet, so the count must also stay the same for half a second.
        var settled = DateTime.UtcNow.AddSeconds(15);
        var held = -1;
        int before;
        do
        {
            before = held;
            await page.WaitForTimeoutAsync(500);
            held = (await RecordsAsync(user, u => u.ChunksReceived)).Single();
        }
        while ((held != before || await ClaimsInFlightAsync(user) > 0) && DateTime.UtcNow < settled);
        Assert.IsTrue(held is >= 10 and < chunkCount, $"held {held} chunks at reload");

        var secondPosts = CountPosts(page);
        await ChooseFilesAsync(page, file);
        var row = Row(page, "resumed.bin");
        await Expect(row.Locator(".file-detail")).ToContainTextAsync("Resuming", new() { Timeout = 10_000 });

        await AssertRowDoneAndStoredAsync(page, user, file);
        Assert.AreEqual(chunkCount - held, secondPosts.Count, "only the chunks the server lacked were sent again");
    }

    [TestMethod]
    public async Task A_file_over_the_limit_is_refused_before_any_byte_is_sent()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var __ = context;
        Directory.CreateDirectory(App.ClientFilesDirectory);
        var huge = Path.Combine(App.ClientFilesDirectory, "huge-" + Guid.NewGuid().ToString("N")[..6] + ".bin");
        await using (var stream = File.Create(huge)) stream.SetLength(AppFixture.MaxFileSize + 1); // sparse: no disk used
        var requests = 0;
        page.Request += (_, request) => { if (request.Url.Contains("api/upload")) Interlocked.Increment(ref requests); };

        await ChooseFilesAsync(page, huge);

        var row = Row(page, Path.GetFileName(huge));
        await Expect(row).ToHaveAttributeAsync("data-state", "refused");
        await Expect(row).ToContainTextAsync("Larger than the 512 MiB limit");
        Assert.AreEqual(0, requests, "nothing was sent");
    }

    [TestMethod]
    public async Task Without_the_token_header_the_upload_fails_with_the_servers_reason()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        await page.RouteAsync(UploadUrl(), async route =>
        {
            var headers = new Dictionary<string, string>(route.Request.Headers);
            headers.Remove("requestverificationtoken");
            await route.ContinueAsync(new() { Headers = headers });
        });
        var file = LocalFile("tokenless.bin", 10_000);

        await ChooseFilesAsync(page, file);

        var row = Row(page, "tokenless.bin");
        await Expect(row).ToHaveAttributeAsync("data-state", "failed");
        await Expect(row).ToContainTextAsync("RequestVerificationToken header is missing");
    }

    [TestMethod]
    public async Task The_page_fits_a_phone_screen_labels_every_control_and_breaks_no_CSP_rule()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        await page.SetViewportSizeAsync(375, 740);
        await page.ReloadAsync();
        await ChooseFilesAsync(page, LocalFile("phone.bin", 300_000));
        await Expect(Row(page, "phone.bin")).ToHaveAttributeAsync("data-state", "done");

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.IsLessThanOrEqualTo(0, overflow, "no horizontal scrolling on a 375 px screen");
        var unlabelled = await page.EvaluateAsync<string[]>(@"() => [...document.querySelectorAll('button, a, input, select, [role=progressbar]')]
            .filter(e => e.offsetParent !== null && !(e.getAttribute('aria-label') || e.textContent.trim() || e.labels?.length))
            .map(e => e.outerHTML.slice(0, 80))");
        CollectionAssert.AreEqual(Array.Empty<string>(), unlabelled, "every visible control has an accessible name");
        Assert.IsEmpty(consoleErrors, "no script or style was blocked: " + string.Join(" | ", consoleErrors));
        await Screenshot(page, "phone-done");
    }

    private static async Task AssertRowDoneAndStoredAsync(IPage page, TestUser user, string path, string? label = null)
    {
        var id = await AssertRowDoneAsync(page, path, label);
        await AssertStoredAsync(user, id, Sha256Of(path));
    }

    private static async Task AssertStoredAsync(TestUser user, Guid id, string sha)
    {
        var stored = App.StoredFile(user.Id, id);
        await using var stream = File.OpenRead(stored);
        Assert.AreEqual(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)), "stored bytes");
        var record = (await RecordsAsync(user, u => u)).Single(u => u.Id == id);
        Assert.AreEqual(sha, record.Sha256);
        Assert.AreEqual(UploadStatus.Complete, record.Status);
    }

    private static async Task<List<T>> RecordsAsync<T>(TestUser user, System.Linq.Expressions.Expression<Func<Upload, T>> select)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Uploads.AsNoTracking().Where(u => u.UserId == user.Id).Select(select).ToListAsync();
    }

    private static async Task<int> ClaimsInFlightAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.UploadChunks.CountAsync(c => c.RecordedAt == null && db.Uploads.Any(u => u.Id == c.UploadId && u.UserId == user.Id));
    }

    private const int SlowFileChunks = 40;

    /// <summary>A file of <see cref="SlowFileChunks"/> chunks whose POSTs the page will send slowly, so that a test can act midway.</summary>
    private static async Task<string> SlowFileAsync(IPage page, string name, Func<bool>? givenUp = null)
    {
        await SlowDownChunksAsync(page, givenUp: givenUp);
        return LocalFile(name, SlowFileChunks * ChunkSize);
    }

    private static List<string> CountPosts(IPage page, bool okOnly = false)
    {
        var posts = new List<string>();
        if (okOnly)
            page.Response += (_, response) => { if (response.Request.Method == "POST" && response.Url.Contains("api/upload") && response.Status == 200) lock (posts) posts.Add(response.Url); };
        else
            page.Request += (_, request) => { if (request.Method == "POST" && request.Url.Contains("api/upload")) lock (posts) posts.Add(request.Url); };
        return posts;
    }

    private async Task Screenshot(IPage page, string name)
    {
        var directory = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddResultFile(path);
    }
}
