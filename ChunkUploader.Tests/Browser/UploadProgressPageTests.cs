using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>What the page's bars and batch line claim, checked against what the server holds.</summary>
[TestClass]
[DoNotParallelize]
public sealed class UploadProgressPageTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_failed_rows_percent_and_the_batch_line_equal_the_share_the_server_holds()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = LocalFile("refused-midway.bin", 20 * ChunkSize);
        // From chunk 8 on the "server" refuses for good (a quota, say); the answer waits so that earlier chunks land first.
        await page.RouteAsync(UploadUrl(), async route =>
        {
            if (route.Request.Method == "POST" && ChunkNumber(route.Request.Url) >= 8)
            {
                await Task.Delay(1500);
                await route.FulfillAsync(new() { Status = 413, Body = "Over your storage quota of 5 MiB.", ContentType = "text/plain" });
            }
            else await route.ContinueAsync();
        });

        await ChooseFilesAsync(page, file);

        var row = Row(page, "refused-midway.bin");
        await Expect(row).ToHaveAttributeAsync("data-state", "failed");
        await Expect(row).ToContainTextAsync("Over your storage quota of 5 MiB.");
        await page.WaitForTimeoutAsync(1000); // the page asks the server what it holds once the file failed
        var record = await RecordAsync(user);
        var serverPercent = (int)(record.BytesReceived * 100 / record.TotalSize);
        Assert.IsTrue(serverPercent is > 0 and < 100, $"the server holds {serverPercent}%");
        await Expect(row.Locator(".progress")).ToHaveAttributeAsync("aria-valuenow", serverPercent.ToString());
        await Expect(page.Locator("#batch-progress")).ToHaveAttributeAsync("aria-valuenow", serverPercent.ToString());
        await Expect(page.Locator("#batch-summary")).ToContainTextAsync("0 of 1 file done, 1 failed");
        await Expect(page.Locator("#retry-failed")).ToBeVisibleAsync();
    }

    [TestMethod]
    public async Task The_batch_line_counts_files_in_words_that_agree_with_the_number()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var one = LocalFile("single.bin", 2 * ChunkSize);

        await ChooseFilesAsync(page, one);
        await AssertRowDoneAsync(page, one);
        await Expect(page.Locator("#batch-summary")).ToContainTextAsync("1 of 1 file done");
        await Expect(page.Locator("#batch-progress")).ToHaveAttributeAsync("aria-valuenow", "100");

        var two = LocalFile("second.bin", 3 * ChunkSize);
        await ChooseFilesAsync(page, two);
        await AssertRowDoneAsync(page, two);
        await Expect(page.Locator("#batch-summary")).ToContainTextAsync("2 of 2 files done");
    }

    private static async Task<Upload> RecordAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Uploads.AsNoTracking().SingleAsync(u => u.UserId == user.Id);
    }
}
