using System.Net;
using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Browser;

/// <summary>
/// A week of varied uploads by two people, seeded through the real API (complete, receiving, cancelled, deleted; a
/// folder path; sizes from KiB to MiB), then spread over the last seven days in the database, because the API can only
/// make uploads that start now. Emails share a domain so that an admin can filter the run's other uploads out.
/// </summary>
public sealed record WeekOfUploads(string EmailDomain, TestUser Owner, TestUser Colleague, TestUser Admin, IReadOnlyList<Guid> OwnerUploads, DateTime SeededAt)
{
    private static readonly (string Name, string Path, int Size, int DaysAgo, double Seconds)[] Files =
    [
        ("quarterly-report.pdf", "", 1_800_000, 6, 4.2),
        ("IMG_2041.jpg", "holiday 2026/IMG_2041.jpg", 640_000, 5, 1.4),
        ("IMG_2042.jpg", "holiday 2026/IMG_2042.jpg", 702_000, 5, 1.6),
        ("site-backup.tar.gz", "", 3_100_000, 3, 9.8),
        ("interview-raw.wav", "", 2_400_000, 2, 6.1),
        ("notes.txt", "", 24_000, 1, 0.3),
    ];

    public static async Task<WeekOfUploads> SeedAsync()
    {
        // Every other test's users are @test.local, so this domain picks out the seeded ones (and reads well in the README's screenshots).
        const string domain = "@example.com";
        var owner = await AppFixture.Shared.CreateUserAsync(email: "maria.lopez" + domain);
        var colleague = await AppFixture.Shared.CreateUserAsync(email: "sam.chen" + domain);
        var admin = await AppFixture.Shared.CreateUserAsync(admin: true, email: "admin" + domain);
        var now = DateTime.UtcNow;
        var spread = new Dictionary<Guid, (DateTime Started, double Seconds)>();

        using var maria = await AppFixture.Shared.SignInAsync(owner);
        using var sam = await AppFixture.Shared.SignInAsync(colleague);
        for (var i = 0; i < Files.Length; i++)
        {
            var (name, path, size, daysAgo, seconds) = Files[i];
            var session = i % 3 == 2 ? sam : maria;
            var file = TestFile.Random(size, 256 * 1024, name) with { RelativePath = path };
            var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file, parallel: 2));
            await session.WaitForHashAsync(id);
            spread[id] = (now.Date.AddDays(-daysAgo).AddHours(9 + i).AddMinutes(7 * i + 3), seconds);
        }

        // One of Maria's files deleted after upload, one cancelled, and one still arriving today.
        var deleted = spread.Keys.First();
        using (var delete = new HttpRequestMessage(HttpMethod.Post, $"Uploads/{deleted}/delete"))
        {
            delete.Headers.Add(ApiSession.TokenHeader, maria.Token);
            using var answer = await maria.Client.SendAsync(delete);
            Assert.AreEqual(HttpStatusCode.Redirect, answer.StatusCode, "the seeded delete is accepted");
        }
        var cancelled = TestFile.Random(900_000, 256 * 1024, "draft-video.mp4");
        var cancelledId = (await maria.UploadAsync(cancelled, cancelled.Numbers.Take(1)))[0].GetProperty("uploadId").GetGuid();
        using (var answer = await maria.CancelAsync(cancelled))
            Assert.AreEqual(HttpStatusCode.NoContent, answer.StatusCode, "the seeded cancel is accepted");
        spread[cancelledId] = (now.Date.AddDays(-4).AddHours(16).AddMinutes(41), 0);
        var receiving = TestFile.Random(2_000_000, 256 * 1024, "conference-talk.mp4");
        await maria.UploadAsync(receiving, receiving.Numbers.Take(3));

        await using var scope = AppFixture.Shared.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        foreach (var (id, (started, seconds)) in spread)
        {
            var upload = await db.Uploads.SingleAsync(u => u.Id == id);
            upload.StartedAt = started;
            upload.UpdatedAt = started.AddSeconds(seconds);
            if (upload.CompletedAt is not null)
            {
                upload.CompletedAt = started.AddSeconds(seconds);
                upload.DurationSeconds = seconds;
                upload.BytesPerSecond = upload.TotalSize / seconds;
            }
        }
        await db.SaveChangesAsync();

        var mine = await db.Uploads.Where(u => u.UserId == owner.Id).Select(u => u.Id).ToListAsync();
        return new WeekOfUploads(domain, owner, colleague, admin, mine, now);
    }
}
