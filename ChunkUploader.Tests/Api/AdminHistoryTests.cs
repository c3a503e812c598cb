using System.Net;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Api;

/// <summary>The admin history through real HTTP: authorisation, filters, sorting, paging, totals and CSV.</summary>
[TestClass]
public sealed partial class AdminHistoryTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task Only_admins_reach_the_admin_history()
    {
        using var user = await App.NewSessionAsync();
        using var anonymous = App.CreateAnonymousClient();

        using var forbidden = await user.Client.GetAsync("Admin/Uploads");
        using var csv = await user.Client.GetAsync("Admin/Uploads/export.csv");
        using var redirected = await anonymous.GetAsync("Admin/Uploads");

        Assert.AreEqual(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, csv.StatusCode);
        Assert.AreEqual(HttpStatusCode.Redirect, redirected.StatusCode);
        StringAssert.Contains(redirected.Headers.Location!.ToString(), "/Identity/Account/Login");
    }

    [TestMethod]
    public async Task Filters_sort_page_and_total_in_the_database()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        var today = DateTime.UtcNow.Date;
        await SeedAsync(owner,
            Record("alpha.mov", 5_000, UploadStatus.Complete, today.AddHours(1), seconds: 10),
            Record("beta.mov", 1_000, UploadStatus.Complete, today.AddHours(2), seconds: 1),
            Record("gamma.txt", 3_000, UploadStatus.Complete, today.AddDays(-3), seconds: 3),
            Record("delta.mov", 8_000, UploadStatus.Failed, today.AddDays(-1), seconds: null),
            Record("epsilon.mov", 2_000, UploadStatus.Receiving, today.AddHours(3), seconds: null));
        var mine = $"?user={Uri.EscapeDataString(owner.Email)}";

        var allResponse = await admin.Client.GetAsync($"Admin/Uploads{mine}");
        Assert.AreEqual(HttpStatusCode.OK, allResponse.StatusCode, string.Join("\n", App.ServerErrors.Errors));
        var all = await allResponse.Content.ReadAsStringAsync();
        Assert.AreEqual("5", Text(all, "total-uploads"));
        Assert.AreEqual("75.0%", Text(all, "success-rate"), "3 complete of 4 finished");
        Assert.AreEqual("1000 bytes/s", Text(all, "median-speed"), "speeds 500, 1000 and 1000 B/s: the middle one");

        var bySize = Names(await admin.Client.GetStringAsync($"Admin/Uploads{mine}&sort=Size&asc=true"));
        CollectionAssert.AreEqual(new[] { "beta.mov", "epsilon.mov", "gamma.txt", "alpha.mov", "delta.mov" }, bySize);

        var movsComplete = Names(await admin.Client.GetStringAsync($"Admin/Uploads{mine}&status=Complete&name=.mov"));
        CollectionAssert.AreEquivalent(new[] { "alpha.mov", "beta.mov" }, movsComplete);

        var lastTwoDays = Names(await admin.Client.GetStringAsync($"Admin/Uploads{mine}&from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}"));
        CollectionAssert.AreEquivalent(new[] { "alpha.mov", "beta.mov", "delta.mov", "epsilon.mov" }, lastTwoDays);

        var page2 = await admin.UploadsAsync($"?all=true&user={Uri.EscapeDataString(owner.Email)}&pageSize=2&page=2");
        Assert.AreEqual(5, page2.GetProperty("totalCount").GetInt32());
        Assert.AreEqual(3, page2.GetProperty("pageCount").GetInt32());
        CollectionAssert.AreEqual(new[] { "alpha.mov", "delta.mov" },
            page2.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("fileName").GetString()).ToArray(), "newest first: epsilon, beta | alpha, delta | gamma");
    }

    [TestMethod]
    public async Task A_bad_filter_value_is_a_400_that_names_it()
    {
        using var admin = await App.NewSessionAsync(admin: true);

        using var response = await admin.Client.GetAsync("Admin/Uploads?status=Sideways");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "'Sideways' is not valid for Status");
    }

    [TestMethod]
    public async Task Csv_export_holds_the_filtered_set_with_formulas_defused()
    {
        using var admin = await App.NewSessionAsync(admin: true);
        var owner = await App.CreateUserAsync();
        await SeedAsync(owner,
            Record("=HYPERLINK(\"x\").csv", 10, UploadStatus.Complete, DateTime.UtcNow, seconds: 1),
            Record("plain, with comma.txt", 20, UploadStatus.Failed, DateTime.UtcNow, seconds: null));

        using var response = await admin.Client.GetAsync($"Admin/Uploads/export.csv?user={Uri.EscapeDataString(owner.Email)}");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.HasCount(3, lines, "header and two rows");
        StringAssert.StartsWith(lines[0], "id,user,file_name");
        Assert.IsTrue(lines.Any(l => l.Contains("\"'=HYPERLINK(\"\"x\"\").csv\"")), csv);
        Assert.IsTrue(lines.Any(l => l.Contains("\"plain, with comma.txt\"")), csv);
    }

    private static Upload Record(string name, long size, UploadStatus status, DateTime started, double? seconds) => new()
    {
        Id = Guid.CreateVersion7(),
        UserId = "",
        Identifier = Guid.NewGuid().ToString("N"),
        FileName = name,
        RelativePath = name,
        TotalSize = size,
        ChunkSize = 1024,
        TotalChunks = 1,
        ChunksReceived = status == UploadStatus.Receiving ? 0 : 1,
        BytesReceived = status == UploadStatus.Receiving ? 0 : size,
        Status = status,
        FailureReason = status == UploadStatus.Failed ? "disk full" : null,
        // Records only: a complete one without a hash would be taken up by the hasher, find no file, and be marked failed.
        Sha256 = status == UploadStatus.Complete ? new string('0', 64) : null,
        StartedAt = started,
        UpdatedAt = started,
        CompletedAt = seconds is { } s ? started.AddSeconds(s) : null,
        DurationSeconds = seconds,
        BytesPerSecond = seconds is { } t ? size / t : null,
    };

    private static async Task SeedAsync(TestUser owner, params Upload[] uploads)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        foreach (var upload in uploads) upload.UserId = owner.Id;
        db.Uploads.AddRange(uploads);
        await db.SaveChangesAsync();
    }

    private static string Text(string html, string id) =>
        Regex.Match(html, $"id=\"{id}\">([^<]*)<").Groups[1].Value;

    private static string[] Names(string html) =>
        FileLink().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();

    [GeneratedRegex("<td class=\"file-name\"[^>]*><a href=\"/Uploads/[0-9a-f-]+\">([^<]*)</a>")]
    private static partial Regex FileLink();
}
