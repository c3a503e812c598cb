using System.Net;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Api;

/// <summary>Quotas and caps, decided in the database before any byte is stored, including under simultaneous first chunks.</summary>
[TestClass]
public sealed class UploadLimitTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_file_over_the_users_quota_is_refused_with_413_saying_how_much_is_left()
    {
        using var session = await App.NewSessionAsync();
        await SetQuotaAsync(session.User.Id, 10_000);
        var fits = TestFile.Random(6000, 1024, "fits.bin");
        await session.UploadAsync(fits);
        var over = TestFile.Random(6000, 1024, "over.bin");

        using var refused = await session.SendChunkAsync(over, 1);

        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var message = await refused.Content.ReadAsStringAsync();
        StringAssert.Contains(message, "quota");
        StringAssert.Contains(message, "left");
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "nothing recorded for the refused file");
    }

    [TestMethod]
    public async Task Simultaneous_first_chunks_never_exceed_the_quota_together()
    {
        using var session = await App.NewSessionAsync();
        await SetQuotaAsync(session.User.Id, 5 * 4096);
        var files = Enumerable.Range(0, 12).Select(i => TestFile.Random(4096, 1024, $"race-{i}.bin")).ToList();

        var answers = await Task.WhenAll(files.Select(async f => { using var r = await session.SendChunkAsync(f, 1); return r.StatusCode; }));

        Assert.AreEqual(5, answers.Count(s => s == HttpStatusCode.OK), string.Join(", ", answers));
        Assert.AreEqual(7, answers.Count(s => s == HttpStatusCode.RequestEntityTooLarge));
        Assert.AreEqual(5, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32());
    }

    [TestMethod]
    public async Task More_uploads_in_progress_than_allowed_get_429_with_retry_after_until_one_finishes()
    {
        using var session = await App.NewSessionAsync();
        var files = Enumerable.Range(0, 24).Select(i => TestFile.Random(2048, 1024, $"busy-{i}.bin")).ToList();

        var answers = await Task.WhenAll(files.Select(async f =>
        {
            using var r = await session.SendChunkAsync(f, 1);
            return (File: f, r.StatusCode, RetryAfter: r.Headers.RetryAfter?.Delta);
        }));

        var started = answers.Where(a => a.StatusCode == HttpStatusCode.OK).ToList();
        var waiting = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.HasCount(20, started, "the default cap of 20 in progress");
        Assert.HasCount(4, waiting);
        Assert.IsTrue(waiting.All(a => a.RetryAfter > TimeSpan.Zero), "each refusal says when to come back");

        await session.UploadAsync(started[0].File, [2]);
        using var admitted = await session.SendChunkAsync(waiting[0].File, 1);
        Assert.AreEqual(HttpStatusCode.OK, admitted.StatusCode, "a finished upload makes room");
    }

    [TestMethod]
    public async Task A_file_of_more_chunks_than_allowed_is_refused_with_413_naming_a_chunk_size_that_fits()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1024, 1024, "too-many-chunks.bin");
        const long declared = 30L * 1024 * 1024;

        void Declared(Dictionary<string, string> p)
        {
            p["resumableTotalSize"] = declared.ToString();
            p["resumableTotalChunks"] = (declared / 1024).ToString();
        }

        using var probe = await session.ProbeAsync(file, 1, Declared);
        using var refused = await session.SendChunkAsync(file, 1, tamper: Declared);

        foreach (var answer in new[] { probe, refused })
        {
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode, "the probe says so before the chunk is sent");
            StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "30720 chunks");
        }
        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32());
    }

    [TestMethod]
    public async Task The_upload_page_shows_the_users_usage_against_their_quota()
    {
        using var session = await App.NewSessionAsync();
        await SetQuotaAsync(session.User.Id, 10_000);
        await session.UploadAsync(TestFile.Random(6000, 1024, "counted.bin"));

        var page = System.Net.WebUtility.HtmlDecode(await session.Client.GetStringAsync(""));

        StringAssert.Contains(page, $"{ByteSize.Format(6000)} of {ByteSize.Format(10_000)} used");
        StringAssert.Contains(page, $"({ByteSize.Format(4000)} left)");
    }

    private static async Task SetQuotaAsync(string userId, long bytes)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        db.UserQuotas.Add(new UserQuota { UserId = userId, QuotaBytes = bytes, UpdatedAt = DateTime.UtcNow, UpdatedBy = "test" });
        await db.SaveChangesAsync();
    }
}
