using System.Net;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>Numbers that are not plain whole numbers, or are out of range, in every numeric Resumable.js parameter.</summary>
[TestClass]
public sealed class NumberAbuseTests
{
    private static ApiSession _session = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _) => _session = await App.NewSessionAsync();

    [ClassCleanup]
    public static void Stop() => _session.Dispose();

    public static IEnumerable<object[]> NotWholeNumbers()
    {
        string[] parameters = ["resumableChunkNumber", "resumableChunkSize", "resumableCurrentChunkSize", "resumableTotalSize", "resumableTotalChunks"];
        // -1, 2^63, 1e400, hex, Arabic-Indic and full-width digits, a sign, a space, a decimal point.
        string[] values = ["-1", "9223372036854775808", "1e400", "0x10", "\u0661\u0662", "\uFF11", "+1", " 1", "1.0"];
        return parameters.SelectMany(p => values.Select(v => new object[] { p, v }));
    }

    [TestMethod]
    [DynamicData(nameof(NotWholeNumbers))]
    public async Task A_numeric_parameter_that_is_not_a_plain_whole_number_gets_400_naming_it(string name, string value)
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(10_000, 1024);

        using var probe = await _session.ProbeAsync(file, 1, p => p[name] = value);
        using var post = await _session.SendChunkAsync(file, 1, UploadMethod.Octet, p => p[name] = value);

        await AssertRefusedAsync(probe, HttpStatusCode.BadRequest, $"{name} must be a whole number", before);
        await AssertRefusedAsync(post, HttpStatusCode.BadRequest, $"{name} must be a whole number", before);
    }

    [TestMethod]
    [DataRow("resumableChunkNumber", "0", "resumableChunkNumber 0 is outside 1..9")]
    [DataRow("resumableChunkNumber", "9223372036854775807", "resumableChunkNumber 9223372036854775807 is outside 1..9")]
    [DataRow("resumableChunkSize", "0", "resumableChunkSize 0 is outside the accepted range")]
    [DataRow("resumableChunkSize", "9223372036854775807", "is outside the accepted range")]
    [DataRow("resumableCurrentChunkSize", "0", "resumableCurrentChunkSize 0 is wrong")]
    [DataRow("resumableCurrentChunkSize", "9223372036854775807", "resumableCurrentChunkSize 9223372036854775807 is wrong")]
    [DataRow("resumableTotalSize", "0", "resumableTotalChunks 9 does not fit a file of 0 bytes")]
    [DataRow("resumableTotalChunks", "0", "resumableTotalChunks 0 does not fit")]
    [DataRow("resumableTotalChunks", "9223372036854775807", "resumableTotalChunks 9223372036854775807 does not fit")]
    public async Task A_whole_number_out_of_range_gets_400_naming_the_rule(string name, string value, string message)
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(10_000, 1024);

        using var post = await _session.SendChunkAsync(file, 1, UploadMethod.Octet, p => p[name] = value);

        await AssertRefusedAsync(post, HttpStatusCode.BadRequest, message, before);
    }

    [TestMethod]
    public async Task A_total_size_of_the_largest_whole_number_gets_413_naming_the_limit()
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(10_000, 1024);

        using var post = await _session.SendChunkAsync(file, 1, UploadMethod.Octet, p => p["resumableTotalSize"] = long.MaxValue.ToString());

        await AssertRefusedAsync(post, HttpStatusCode.RequestEntityTooLarge, "the largest file accepted is 512 MiB", before);
    }

    [TestMethod]
    [DataRow("page=1e400", "page")]
    [DataRow("page=9223372036854775808", "page")]
    [DataRow("page=%D9%A1", "page")]
    [DataRow("pageSize=-99999999999", "pageSize")]
    [DataRow("status=99", "Status: The value '99' is not valid for Status.")]
    [DataRow("status=-1", "Status: The value '-1' is not valid for Status.")]
    [DataRow("sort=99", "Sort: The value '99' is not valid for Sort.")]
    [DataRow("sort=Bogus", "sort")]
    [DataRow("asc=2", "asc")]
    [DataRow("all=maybe", "all")]
    public async Task A_query_filter_number_that_means_nothing_gets_400_naming_it(string query, string message)
    {
        var before = await FootprintAsync();

        using var response = await _session.Client.GetAsync("api/uploads?" + query);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, message, before);
    }

    [TestMethod]
    [DataRow("page=0", 1)]
    [DataRow("page=-1", 1)]
    [DataRow("page=2147483647", 1)]
    [DataRow("page=0x10", 1)]
    [DataRow("pageSize=0&page=3", 1)]
    public async Task A_page_out_of_range_shows_the_nearest_page(string query, int expectedPage)
    {
        var page = await _session.UploadsAsync("?" + query);

        Assert.AreEqual(expectedPage, page.GetProperty("pageNumber").GetInt32());
    }
}
