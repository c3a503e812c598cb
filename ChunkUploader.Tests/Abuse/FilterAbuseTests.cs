using System.Net;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>Dates, ranges and searches out of range on every history route: 400 with the reason, or the obvious meaning.</summary>
[TestClass]
public sealed class FilterAbuseTests
{
    private static ApiSession _admin = null!;
    private static Guid _upload;

    private static readonly string[] Routes = ["api/uploads", "api/uploads?all=true", "Uploads", "Admin/Uploads", "Admin/Uploads/export.csv"];

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _admin = await App.NewSessionAsync(admin: true);
        (_upload, _) = await CompletedUploadAsync(_admin, "filtered.bin");
    }

    [ClassCleanup]
    public static void Stop() => _admin.Dispose();

    public static IEnumerable<object[]> RoutesWith(params string[][] cases) =>
        Routes.SelectMany(route => cases.Select(c => new object[] { route }.Concat(c).ToArray()));

    public static IEnumerable<object[]> Refused() => RoutesWith(
        ["from=2026-12-01&to=2026-11-01", "The range starts (2026-12-01) after it ends (2026-11-01)"],
        ["to=10000-01-01", "is not valid"],
        ["from=2026-02-30", "is not valid"],
        ["status=Exploded", "is not valid"],
        ["status=Assembling,Complete", "The value 'Assembling,Complete' is not valid"],
        ["status=3", "The value '3' is not valid"],
        ["sort=Size,Duration", "The value 'Size,Duration' is not valid"],
        ["name=" + new string('x', 5_000), "name search is longer than 1024"],
        ["user=" + new string('x', 5_000), "user search is longer than 1024"],
        ["name=a%00b", "name search contains control characters"],
        ["user=a%0Ab", "user search contains control characters"]);

    [TestMethod]
    [DynamicData(nameof(Refused))]
    public async Task A_filter_that_cannot_mean_anything_gets_400_naming_it(string route, string query, string message)
    {
        var before = await FootprintAsync();

        using var response = await _admin.Client.GetAsync(route + (route.Contains('?') ? "&" : "?") + query);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, message, before);
    }

    [TestMethod]
    public async Task The_admin_users_search_refuses_a_control_character_and_the_next_search_still_works()
    {
        using var first = await _admin.Client.GetAsync("Admin/Users?email=a%00b");
        using var again = await _admin.Client.GetAsync("Admin/Users?email=a%00b");
        using var next = await _admin.Client.GetAsync("Admin/Users?email=%40");

        foreach (var refused in new[] { first, again })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, refused.StatusCode);
            StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "The email search contains control characters.");
        }
        // On PostgreSQL a NUL failing a prepared statement left its pooled connection broken for the next request.
        Assert.AreEqual(HttpStatusCode.OK, next.StatusCode);
    }

    public static IEnumerable<object[]> Extremes() => RoutesWith(
        ["to=9999-12-31"], ["from=0001-01-01"], ["from=0001-01-01&to=9999-12-31"], ["page=2147483647"], ["page=-2147483648"]);

    [TestMethod]
    [DynamicData(nameof(Extremes))]
    public async Task The_extremes_of_dates_and_pages_answer_in_full(string route, string query)
    {
        var before = await FootprintAsync();

        using var response = await _admin.Client.GetAsync(route + (route.Contains('?') ? "&" : "?") + query + "&name=filtered.bin");

        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body);
        Assert.IsTrue(body.Contains(route.StartsWith("api/", StringComparison.Ordinal) ? _upload.ToString() : "filtered.bin", StringComparison.Ordinal), "the one matching upload is listed, on the last page");
        await AssertUnchangedAsync(before);
    }
}
