using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The admin history in Chromium: another user's upload shows with its size and SHA-256, and the charts draw.</summary>
[TestClass]
[DoNotParallelize]
public sealed class AdminHistoryPageTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_admin_sees_another_users_upload_with_its_size_and_sha_and_the_charts_render()
    {
        using var uploader = await AppFixture.Shared.NewSessionAsync();
        var file = TestFile.Random(1_234_567, 65_536, "quarterly report.pdf");
        var id = UploadEndpointTests.SingleCompletion(await uploader.UploadAsync(file, parallel: 3));
        await uploader.WaitForHashAsync(id);
        var (context, page, _) = await BrowserFixture.SignedInPageAsync(admin: true);
        await using var _ = context;

        await page.GotoAsync("Admin/Uploads");
        await page.GetByLabel("User (email contains)").FillAsync(uploader.User.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        var row = page.Locator($"tr[data-upload-id='{id}']");
        await Expect(row).ToContainTextAsync(uploader.User.Email);
        await Expect(row).ToContainTextAsync(ByteSize.Format(file.Size));
        await Expect(row.Locator(".sha")).ToHaveAttributeAsync("title", file.Sha256);
        await Expect(page.Locator("#total-uploads")).ToHaveTextAsync("1");

        var drawn = await page.EvaluateAsync<int[]>(@"() => ['chart-per-day', 'chart-by-status'].map(id => {
            const canvas = document.getElementById(id);
            const counts = canvas.chart?.data.datasets.find(d => d.yAxisID !== 'bytes');
            return counts && canvas.width > 0 ? counts.data.reduce((a, b) => a + b, 0) : -1;
        })");
        CollectionAssert.AreEqual(new[] { 1, 1 }, drawn, "each chart is drawn and counts the one upload");

        var shot = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), "screenshots", "admin-history.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        TestContext.AddResultFile(shot);
    }
}
