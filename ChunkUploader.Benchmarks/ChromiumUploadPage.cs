using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// What dropping one folder on the upload page took, timed by the page itself: from handing the files to the folder
/// input until the batch summary said all were done (or until the limit, with <see cref="Done"/> files done).
/// </summary>
public sealed record PageRun(TimeSpan Elapsed, int Done, bool Finished, double LongestTaskMs, double FileListMs, int MostRows);

/// <summary>
/// Debian's Chromium, headless, driven through Playwright: signed in through the Identity login page and on the upload
/// page, where a folder is chosen as a person would drop it.
/// </summary>
public sealed partial class ChromiumUploadPage : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private const string FolderInput = "#browse-folder input[type=file]";

    /// <summary>
    /// Installed before the hand-over, reading <c>window.bench</c>. Long tasks that start before the input's change event
    /// are Chromium building the file list (they grow with the folder, and no page code can shorten them), so they are
    /// kept apart; the end of that task, which runs the page's own handler, is timed from the event to the next task.
    /// The summary's completion is stamped by a MutationObserver, so the rate does not depend on how often the host polls.
    /// </summary>
    private const string WatchScript = """
        done => {
            const bench = window.bench = { handingOver: performance.now(), handedOver: Infinity, doneAt: 0, longestTask: 0, fileListTask: 0, mostRows: 0 };
            document.addEventListener('change', () => {
                if (bench.handedOver !== Infinity) return;
                const at = bench.handedOver = performance.now();
                setTimeout(() => { bench.longestTask = Math.max(bench.longestTask, performance.now() - at); }, 0);
            }, true);
            bench.note = task => {
                if (task.startTime < bench.handedOver) bench.fileListTask = Math.max(bench.fileListTask, task.duration);
                else bench.longestTask = Math.max(bench.longestTask, task.duration);
            };
            bench.tasks = new PerformanceObserver(list => list.getEntries().forEach(bench.note));
            bench.tasks.observe({ type: 'longtask' });
            const rows = document.getElementById('files');
            new MutationObserver(() => { bench.mostRows = Math.max(bench.mostRows, rows.children.length); }).observe(rows, { childList: true });
            const summary = document.getElementById('batch-summary');
            new MutationObserver(() => { if (!bench.doneAt && summary.textContent.includes(done)) bench.doneAt = performance.now(); })
                .observe(summary, { childList: true, characterData: true, subtree: true });
        }
        """;

    /// <summary>Long-task entries not yet delivered to the observer are taken here, so that the last ones are not lost.</summary>
    private const string ReadScript = """
        () => {
            const bench = window.bench;
            bench.tasks.takeRecords().forEach(bench.note);
            return {
                elapsedMs: (bench.doneAt || performance.now()) - bench.handingOver,
                finished: bench.doneAt > 0,
                longestTaskMs: bench.longestTask,
                fileListMs: bench.fileListTask,
                mostRows: bench.mostRows,
                summary: document.getElementById('batch-summary').textContent,
            };
        }
        """;

    private readonly IPlaywright _playwright;
    private IBrowser? _browser;
    private IPage? _page;

    private ChromiumUploadPage(IPlaywright playwright) => _playwright = playwright;

    /// <summary>Launches Chromium, signs <paramref name="email"/> in through the login page and opens the upload page.</summary>
    public static async Task<ChromiumUploadPage> SignInAsync(Uri baseAddress, string email, string password, CancellationToken cancellationToken)
    {
        var upload = new ChromiumUploadPage(await Playwright.CreateAsync());
        try
        {
            await upload.OpenAsync(baseAddress, email, password).WaitAsync(cancellationToken);
            return upload;
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }

    private async Task OpenAsync(Uri baseAddress, string email, string password)
    {
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(60_000);
        _page = await context.NewPageAsync();
        await _page.GotoAsync("Identity/Account/Login");
        await _page.GetByLabel("Email").FillAsync(email);
        await _page.GetByLabel("Password").FillAsync(password);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await _page.WaitForURLAsync(url => !url.Contains("/Login", StringComparison.Ordinal));
        await _page.GotoAsync("");
        // The page's script builds the inputs; without it (say, scripts not served) the scenario would only time out later.
        try
        {
            await _page.Locator(FolderInput).WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (TimeoutException exception)
        {
            throw new InvalidOperationException($"The upload page at {baseAddress} has no {FolderInput} after 30 s: did its scripts load?", exception);
        }
    }

    /// <summary>
    /// Chooses <paramref name="folder"/> in the page's folder input and waits, at most <paramref name="limit"/>, until all
    /// <paramref name="count"/> files are done. With <paramref name="profile"/>, the page is recorded in
    /// a Chromium trace over the run and where each of its threads spent the time written there (a profiled run is not a measured one).
    /// </summary>
    public async Task<PageRun> DropFolderAsync(string folder, int count, TimeSpan limit, CancellationToken cancellationToken, string? profile = null)
    {
        var page = _page ?? throw new InvalidOperationException("The page is not open.");
        // A fresh page, so that the batch is this folder alone.
        await page.ReloadAsync();
        await page.Locator(FolderInput).WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.EvaluateAsync(WatchScript, $"{count} of {count} files done");
        await using var profiler = profile is null ? null : await PageProfiler.StartAsync(page, profile);
        var timeout = (float)limit.TotalMilliseconds;
        await page.Locator(FolderInput).SetInputFilesAsync(folder, new() { Timeout = timeout }).WaitAsync(cancellationToken);
        try
        {
            // The page stamps the moment itself; the host only needs to notice it, so it polls gently.
            await page.WaitForFunctionAsync("() => window.bench.doneAt > 0", null, new() { Timeout = timeout, PollingInterval = 250 }).WaitAsync(cancellationToken);
        }
        catch (TimeoutException) { /* reported as a run that did not finish, with how many files were done */ }
        var figures = await page.EvaluateAsync<JsonElement>(ReadScript);
        var finished = figures.GetProperty("finished").GetBoolean();
        var summary = DoneCount().Match(figures.GetProperty("summary").GetString() ?? "");
        return new PageRun(
            TimeSpan.FromMilliseconds(figures.GetProperty("elapsedMs").GetDouble()),
            finished ? count : summary.Success ? int.Parse(summary.Groups[1].Value) : 0,
            finished,
            figures.GetProperty("longestTaskMs").GetDouble(),
            figures.GetProperty("fileListMs").GetDouble(),
            figures.GetProperty("mostRows").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the browser also stops whatever the page was still sending.
        if (_browser is not null) await _browser.CloseAsync();
        _playwright.Dispose();
    }

    [GeneratedRegex(@"(\d+) of \d+ files done")]
    private static partial Regex DoneCount();
}
