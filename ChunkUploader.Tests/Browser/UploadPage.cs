using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Web;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The upload page as the browser tests drive it: choosing files, finding rows, and checking what was stored.</summary>
public static partial class UploadPage
{
    /// <summary>The chunk size the test app gives the page (<c>Upload:PageChunkSize</c> in <see cref="AppFixture"/>).</summary>
    public const int ChunkSize = 256 * 1024;

    public static ILocator Row(IPage page, string name) => page.Locator("#files li").Filter(new() { HasText = name });

    public static Task ChooseFilesAsync(IPage page, params string[] paths) =>
        page.Locator("#browse-files input[type=file]").SetInputFilesAsync(paths);

    /// <summary>A file of random bytes where the browser can pick it (outside any app's storage).</summary>
    public static string LocalFile(string relative, int size, string? folder = null)
    {
        folder ??= Path.Combine(AppFixture.Shared.ClientFilesDirectory, "local-" + Guid.NewGuid().ToString("N")[..6]);
        var path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    public static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public static async Task<Guid> UploadIdAsync(ILocator row)
    {
        var href = await row.Locator("a.file-link").GetAttributeAsync("href");
        return Guid.Parse(href!.Split('/').Last());
    }

    /// <summary>Waits until the row of <paramref name="path"/> is done and shows the source's SHA-256; returns the upload's id.</summary>
    public static async Task<Guid> AssertRowDoneAsync(IPage page, string path, string? label = null)
    {
        var row = Row(page, label ?? Path.GetFileName(path));
        await Expect(row).ToHaveAttributeAsync("data-state", "done");
        await Expect(row.Locator(".file-sha")).ToHaveTextAsync(Sha256Of(path));
        return await UploadIdAsync(row);
    }

    /// <summary>The finished file under <paramref name="storageRoot"/> (any user's folder) hashes to <paramref name="sha"/>.</summary>
    public static async Task AssertStoredAsync(string storageRoot, Guid id, string sha)
    {
        var stored = Directory.GetFiles(Path.Combine(storageRoot, "files"), id.ToString("N"), SearchOption.AllDirectories).Single();
        await using var stream = File.OpenRead(stored);
        Assert.AreEqual(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)), "stored bytes");
    }

    /// <summary>
    /// Counts, in the page itself, the chunk POSTs it sends: that count is exact the moment it is read, where Playwright's
    /// request events may arrive late on a busy machine and be taken for sends made after it.
    /// </summary>
    public static Task CountChunkSendsAsync(IPage page) => page.EvaluateAsync("""
        () => {
            window.chunkSends = 0;
            const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
            XMLHttpRequest.prototype.open = function (method, url, ...rest) {
                this.isChunkPost = method === 'POST' && String(url).includes('api/upload?');
                return open.call(this, method, url, ...rest);
            };
            XMLHttpRequest.prototype.send = function (...args) {
                if (this.isChunkPost) window.chunkSends++;
                return send.apply(this, args);
            };
        }
        """);

    public static Task<int> ChunkSendsAsync(IPage page) => page.EvaluateAsync<int>("() => window.chunkSends");

    /// <summary>
    /// Holds each chunk POST for <paramref name="delay"/>, so that a test can act in the middle of an upload. Once
    /// <paramref name="givenUp"/> says so (the test cancelled), a POST still held is dropped, as the browser's abort
    /// would drop it: otherwise Playwright sends a request the page has aborted, after the cancel, as a new request.
    /// </summary>
    public static Task SlowDownChunksAsync(IPage page, int delay = 120, Func<bool>? givenUp = null) =>
        page.RouteAsync(UploadUrl(), async route =>
        {
            if (route.Request.Method == "POST") await Task.Delay(delay);
            try
            {
                if (route.Request.Method == "POST" && givenUp?.Invoke() == true) await route.AbortAsync();
                else await route.ContinueAsync();
            }
            catch (PlaywrightException) { /* the page or the server went away meanwhile */ }
        });

    /// <summary>
    /// Chooses a new file of <paramref name="chunks"/> chunks, sends it slowly, and returns once the server acknowledged
    /// <paramref name="acknowledged"/> of them, so that a test can break something mid-upload. The chunks sent after
    /// that are held until the test calls the returned <c>Release</c> (or for 2 minutes), so that however slowly the
    /// test breaks things, the upload cannot finish before it has.
    /// </summary>
    public static async Task<(string File, ChunkTraffic Traffic, Action Release)> UploadHalfwayAsync(IPage page, string name, int acknowledged, int chunks = 40)
    {
        var file = LocalFile(name, chunks * ChunkSize);
        var traffic = new ChunkTraffic(page);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(UploadUrl(), async route =>
        {
            if (route.Request.Method == "POST")
            {
                await Task.Delay(120);
                if (traffic.Acknowledged >= acknowledged) await Task.WhenAny(released.Task, Task.Delay(TimeSpan.FromMinutes(2)));
            }
            try { await route.ContinueAsync(); } catch (PlaywrightException) { /* the page or the server went away meanwhile */ }
        });
        await ChooseFilesAsync(page, file);
        await WaitUntilAsync(() => traffic.Acknowledged >= acknowledged, $"{acknowledged} chunks are acknowledged");
        return (file, traffic, () => released.TrySetResult());
    }

    [GeneratedRegex("api/upload\\?")]
    public static partial Regex UploadUrl();

    public static int ChunkNumber(string url) =>
        int.Parse(HttpUtility.ParseQueryString(new Uri(url).Query)["resumableChunkNumber"]!);

    /// <summary>Waits, polling, until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 60) =>
        Poll.UntilAsync(() => Task.FromResult(condition()), what, seconds);
}

/// <summary>Every chunk POST a page sends and how it was answered, to prove that no chunk the server acknowledged is sent again.</summary>
public sealed class ChunkTraffic
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _acknowledged = [];
    private readonly List<int> _resent = [];

    public ChunkTraffic(IPage page)
    {
        page.Request += (_, request) =>
        {
            if (!IsChunkPost(request)) return;
            var number = UploadPage.ChunkNumber(request.Url);
            lock (_gate)
            {
                Posts++;
                if (_acknowledged.Contains(number)) _resent.Add(number);
            }
        };
        page.Response += (_, response) =>
        {
            if (!IsChunkPost(response.Request)) return;
            lock (_gate)
            {
                if (response.Status == 200) _acknowledged.Add(UploadPage.ChunkNumber(response.Url));
                else Refused++;
            }
        };
    }

    public int Posts { get; private set; }

    /// <summary>POSTs answered with anything but 200 (aborted requests have no answer and are not counted).</summary>
    public int Refused { get; private set; }

    public int Acknowledged { get { lock (_gate) return _acknowledged.Count; } }

    public IReadOnlyList<int> ResentAfterAcknowledgement { get { lock (_gate) return [.. _resent]; } }

    private static bool IsChunkPost(IRequest request) => request.Method == "POST" && request.Url.Contains("api/upload?");
}
