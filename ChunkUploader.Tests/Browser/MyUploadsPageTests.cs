using System.Text.RegularExpressions;
using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The user's history page in Chromium.</summary>
[TestClass]
[DoNotParallelize]
public sealed class MyUploadsPageTests
{
    [TestMethod]
    public async Task A_receiving_upload_updates_live_until_it_is_complete_with_its_sha()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        using var api = await AppFixture.Shared.SignInAsync(user);
        var file = TestFile.Random(10 * 4096, 4096, "live.bin");
        await api.UploadAsync(file, file.Numbers.Take(3));

        await page.GotoAsync("Uploads");
        var row = page.Locator("tr", new() { HasText = "live.bin" });
        await Expect(row.Locator(".upload-status")).ToHaveTextAsync("Receiving 30%");

        var id = UploadEndpointTests.SingleCompletion(await api.UploadAsync(file, file.Numbers.Skip(3)));

        await Expect(row.Locator(".upload-status")).ToHaveTextAsync("Complete");
        await Expect(row.Locator(".sha")).ToHaveAttributeAsync("title", file.Sha256);
        await Expect(row.Locator(".sha")).ToHaveTextAsync(file.Sha256[..12] + "…");
        await Expect(row.Locator(".upload-finished time.local-time")).ToHaveAttributeAsync("data-localized", new Regex(".+"));
        Assert.AreEqual(id.ToString(), await row.GetAttributeAsync("data-upload-id"));
    }
}
