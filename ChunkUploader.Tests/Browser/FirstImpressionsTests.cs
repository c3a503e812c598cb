using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>
/// What a first-time visitor, user and admin see (issue 12), at a laptop's and a phone's width in a time zone that is
/// not UTC: no template text, nothing wider than the screen, times in local time, no console error, a titled page
/// with the version in its footer. Each page is screenshotted into the test results.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class FirstImpressionsTests
{
    /// <summary>+05:30 all year: a time left in UTC can never pass for local, not even its minutes.</summary>
    private const string TimeZone = "Asia/Kolkata";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    private static readonly string[] TemplateText =
    [
        "Use another service", "external authentication services", "See this article", "Use a local account",
        "Create a new account.", "Privacy", "Hello, ",
    ];

    private static WeekOfUploads _week = null!;
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _problems = [];

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task SeedAsync(TestContext _) => _week = await WeekOfUploads.SeedAsync();

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task An_anonymous_visitor_at_the_root_learns_what_the_service_is_and_can_log_in_or_register(string screen)
    {
        var page = await OpenAsync(screen, user: null, "");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("large files");
        await Expect(page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
        await Expect(page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Register" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Tab");
        var focusRing = await page.EvaluateAsync<string>("() => { const s = getComputedStyle(document.activeElement); return `${s.outlineStyle} ${s.outlineWidth}`; }");
        Assert.AreEqual("solid 3px", focusRing, "the focused element has a visible ring");
        var favicon = await page.Context.APIRequest.GetAsync("favicon.svg");
        Assert.AreEqual(200, favicon.Status, "the favicon is served");
        await AssertFirstImpressionAsync(page, "landing", screen);
    }

    [TestMethod]
    public async Task With_registration_closed_no_page_offers_register()
    {
        var configuration = AppFixture.Shared.Services.GetRequiredService<IConfiguration>();
        configuration["Identity:AllowRegistration"] = "false";
        try
        {
            var page = await OpenAsync("desktop", user: null, "");
            await Expect(page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Register" })).ToHaveCountAsync(0);
            await page.GotoAsync("Identity/Account/Login");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Register" })).ToHaveCountAsync(0);
        }
        finally
        {
            configuration["Identity:AllowRegistration"] = null;
        }
    }

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task The_login_page_says_what_the_service_is_without_template_text(string screen)
    {
        var page = await OpenAsync(screen, user: null, "Identity/Account/Login");

        await Expect(page.Locator(".account-about")).ToContainTextAsync("resumable chunks");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
        await Expect(page).ToHaveTitleAsync("Log in · ChunkUploader");
        await AssertFirstImpressionAsync(page, "login", screen);
    }

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task The_register_page_says_what_the_service_is_and_states_the_password_rule(string screen)
    {
        var page = await OpenAsync(screen, user: null, "Identity/Account/Register");

        await Expect(page.Locator(".account-about")).ToContainTextAsync("resumable chunks");
        await Expect(page.Locator("#password-rules")).ToHaveTextAsync("At least 6 characters, with an upper-case letter, a lower-case letter, a digit and a symbol.");
        await Expect(page).ToHaveTitleAsync("Register · ChunkUploader");
        await AssertFirstImpressionAsync(page, "register", screen);
    }

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task The_upload_page_greets_a_signed_in_user(string screen)
    {
        var page = await OpenAsync(screen, _week.Owner, "");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Upload files");
        await AssertFirstImpressionAsync(page, "upload", screen);
    }

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task My_uploads_shows_a_week_in_local_time_with_short_hashes_and_counted_plurals(string screen)
    {
        var page = await OpenAsync(screen, _week.Owner, "Uploads");

        await Expect(page.Locator("tr[data-upload-id]")).ToHaveCountAsync(_week.OwnerUploads.Count);
        await Expect(page.Locator("#page-summary")).ToHaveTextAsync($"Page 1 of 1 ({_week.OwnerUploads.Count} uploads)");
        await Expect(page.Locator("nav a[aria-current='page']")).ToHaveTextAsync("My uploads");
        await AssertShortHashesAsync(page);
        await AssertFirstImpressionAsync(page, "my-uploads", screen, expectTimes: true);
    }

    [TestMethod]
    [DataRow("desktop")]
    [DataRow("phone")]
    public async Task All_uploads_shows_a_week_with_charts_that_read_at_a_glance(string screen)
    {
        var page = await OpenAsync(screen, _week.Admin, $"Admin/Uploads?user={Uri.EscapeDataString(_week.EmailDomain)}");

        await Expect(page.Locator("tr[data-upload-id]")).ToHaveCountAsync(8);
        await Expect(page.Locator("nav a[aria-current='page']")).ToHaveTextAsync("All uploads");
        var chart = await PerDayChartAsync(page);
        Assert.IsGreaterThanOrEqualTo(7, chart.Days, "a week of days on the axis");
        Assert.AreEqual(8, chart.Uploads, "the uploads line counts every seeded upload");
        Assert.IsGreaterThan(0, chart.PointRadius, "the uploads line has markers");
        Assert.AreEqual("bar", chart.BytesType, "bytes are bars");
        await AssertShortHashesAsync(page);
        await AssertFirstImpressionAsync(page, "all-uploads", screen, expectTimes: true);
    }

    [TestMethod]
    [DataRow(1, 1, DisplayName = "one day: today's upload still receiving")]
    [DataRow(90, 8, DisplayName = "90 days: the whole week")]
    public async Task Any_range_draws_every_day_with_bytes_as_visible_bars_and_counts_as_markers(int days, int uploads)
    {
        var today = DateOnly.FromDateTime(_week.SeededAt); // not the clock now, which may have passed midnight since
        var from = today.AddDays(1 - days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var page = await OpenAsync("desktop", _week.Admin, $"Admin/Uploads?user={Uri.EscapeDataString(_week.EmailDomain)}&from={from}&to={to}");

        var chart = await PerDayChartAsync(page);
        Assert.AreEqual(days, chart.Days, "one slot for each day of the filter's range");
        Assert.AreEqual(uploads, chart.Uploads, "the uploads line counts the range's uploads");
        Assert.IsGreaterThan(20, chart.TallestBarPixels, "the largest day's bytes are a bar that can be seen");
        Assert.IsGreaterThan(0, chart.PointRadius, "the counts are markers drawn over the bars");
    }

    [TestMethod]
    public async Task A_range_without_uploads_says_so_instead_of_drawing_empty_charts()
    {
        var page = await OpenAsync("desktop", _week.Admin, $"Admin/Uploads?user={Uri.EscapeDataString(_week.EmailDomain)}&from=2001-01-01&to=2001-01-31");

        await Expect(page.Locator(".chart-empty").First).ToHaveTextAsync("No uploads in this range.");
        await Expect(page.Locator(".chart-empty")).ToHaveCountAsync(2);
        await Expect(page.Locator("#chart-per-day")).ToBeHiddenAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("No uploads match.");
    }

    [TestMethod]
    public async Task An_uploads_own_page_shows_the_full_sha_with_a_copy_button_and_local_times()
    {
        var page = await OpenAsync("desktop", _week.Owner, "Uploads");
        await page.Locator("tr[data-upload-id]").Filter(new() { Has = page.Locator(".sha") }).First.Locator("a").First.ClickAsync();

        var sha = page.Locator("#sha256 .sha");
        await Expect(sha).ToHaveTextAsync(HexSha());
        Assert.AreEqual(await sha.TextContentAsync(), await page.Locator("#sha256 .copy-sha").GetAttributeAsync("data-sha"));
        await AssertFirstImpressionAsync(page, "upload-details", "desktop", expectTimes: true);
    }

    private sealed class PerDayChart
    {
        public int Days { get; set; }
        public int Uploads { get; set; }
        public double PointRadius { get; set; }
        public string BytesType { get; set; } = "";
        public double TallestBarPixels { get; set; }
    }

    private static async Task<PerDayChart> PerDayChartAsync(IPage page)
    {
        await Expect(page.Locator("#chart-per-day")).ToBeVisibleAsync();
        return await page.EvaluateAsync<PerDayChart>(@"() => {
            const chart = document.getElementById('chart-per-day').chart;
            const bytes = chart.data.datasets.find(d => d.yAxisID === 'bytes');
            const uploads = chart.data.datasets.find(d => d.yAxisID === 'uploads');
            const bars = chart.getDatasetMeta(chart.data.datasets.indexOf(bytes)).data;
            return {
                days: chart.data.labels.length,
                uploads: uploads.data.reduce((a, b) => a + b, 0),
                pointRadius: uploads.pointRadius,
                bytesType: bytes.type,
                tallestBarPixels: Math.max(...bars.map(bar => Math.abs(bar.base - bar.y))),
            };
        }");
    }

    private static async Task AssertShortHashesAsync(IPage page)
    {
        var hashes = page.Locator("td .sha");
        Assert.IsGreaterThan(0, await hashes.CountAsync(), "some rows show a SHA-256");
        foreach (var hash in await hashes.AllAsync())
        {
            var full = await hash.GetAttributeAsync("title");
            StringAssert.Matches(full, HexSha(), "the tooltip holds the full value");
            Assert.AreEqual(full![..12] + "…", await hash.TextContentAsync(), "the cell shows the first 12 hex characters");
        }
        await Expect(page.Locator("td .copy-sha").First).ToBeVisibleAsync();
    }

    /// <summary>A context at the screen's size in a non-UTC zone, watched for console errors, signed in when a user is given.</summary>
    private async Task<IPage> OpenAsync(string screen, TestUser? user, string path)
    {
        var browser = await BrowserFixture.BrowserAsync();
        var phone = screen == "phone";
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = AppFixture.Shared.BaseAddress.ToString(),
            ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1366, Height = 768 },
            IsMobile = phone,
            HasTouch = phone,
            TimezoneId = TimeZone,
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(60_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error") lock (_problems) _problems.Add($"console: {message.Text}"); };
        page.PageError += (_, error) => { lock (_problems) _problems.Add($"page error: {error}"); };
        page.Response += (_, response) => { if (response.Status >= 400) lock (_problems) _problems.Add($"{response.Status}: {response.Url}"); };
        if (user is not null)
        {
            await page.GotoAsync("Identity/Account/Login");
            await page.GetByLabel("Email").FillAsync(user.Email);
            await page.GetByLabel("Password").FillAsync(user.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await page.WaitForURLAsync(url => !url.Contains("/Login"));
        }
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    [TestCleanup]
    public async Task CloseContextsAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
    }

    /// <summary>What every page must get right, then a screenshot of it attached to the results.</summary>
    private async Task AssertFirstImpressionAsync(IPage page, string name, string screen, bool expectTimes = false)
    {
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var template in TemplateText)
            Assert.DoesNotContain(template, text, $"template text \"{template}\" on {name}");

        var overflow = await page.EvaluateAsync<string[]>(@"() => {
            const wide = [];
            if (document.documentElement.scrollWidth > window.innerWidth) wide.push(`page ${document.documentElement.scrollWidth}px in ${window.innerWidth}px`);
            for (const element of document.querySelectorAll('body *')) {
                const style = getComputedStyle(element);
                if (['auto', 'scroll'].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1)
                    wide.push(`${element.tagName}.${element.className} ${element.scrollWidth}px in ${element.clientWidth}px`);
            }
            return wide;
        }");
        Assert.IsEmpty(overflow, $"horizontal overflow on {name} ({screen}): {string.Join("; ", overflow)}");

        var times = await page.Locator("time.local-time").AllAsync();
        if (expectTimes) Assert.IsNotEmpty(times, $"{name} shows times");
        foreach (var time in times)
        {
            var utc = DateTime.Parse((await time.GetAttributeAsync("datetime"))!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            var local = TimeZoneInfo.ConvertTimeFromUtc(utc, Zone);
            // ICU may name the zone by an older alias (Asia/Calcutta), so the offset in the text is what is checked.
            Assert.IsNotNull(await time.GetAttributeAsync("data-localized"), "rewritten in the browser's zone");
            StringAssert.Contains(await time.TextContentAsync(), local.ToString("HH:mm", CultureInfo.InvariantCulture), "shown in local time");
            StringAssert.EndsWith(await time.GetAttributeAsync("title"), "UTC", "UTC in the tooltip");
        }

        StringAssert.EndsWith(await page.TitleAsync(), "ChunkUploader", "one title pattern on every page");
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        StringAssert.StartsWith(version, (await page.Locator("#app-version").TextContentAsync())!.Split('+')[0], "the footer shows the version");

        lock (_problems) Assert.IsEmpty(_problems, string.Join("\n", _problems));

        var shot = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), "screenshots", $"{name}-{screen}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        TestContext.AddResultFile(shot);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexSha();
}
