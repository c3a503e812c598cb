using ChunkUploader.Tests.Infrastructure;
using Microsoft.Playwright;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>A session that ends mid-upload: the page pauses, says so, and carries on once the person signs in again.</summary>
[TestClass]
[DoNotParallelize]
public sealed class EndedSessionPageTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task Signed_out_in_another_tab_the_page_pauses_asks_to_sign_in_and_then_finishes_without_resending_held_chunks()
    {
        var (context, page, user) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var (file, traffic, release) = await UploadHalfwayAsync(page, "session.bin", acknowledged: 8);
        var other = await context.NewPageAsync();
        await other.GotoAsync("");
        await other.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        // Signed out, the other tab lands on the anonymous landing page, which offers to log in again.
        await Expect(other.Locator("nav").GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
        release();

        var row = Row(page, "session.bin");
        var banner = page.Locator("#session-ended");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToContainTextAsync("Your session ended — sign in to continue");
        await Expect(banner.GetByRole(AriaRole.Link, new() { Name = "Sign in (opens a new tab)" })).ToHaveAttributeAsync("target", "_blank");
        await Expect(row).ToHaveAttributeAsync("data-state", "paused");
        var percent = int.Parse((await row.Locator(".progress").GetAttributeAsync("aria-valuenow"))!);
        Assert.IsTrue(percent is > 0 and < 100, $"the row keeps its progress ({percent}%), and it is not 100%");

        await BrowserFixture.SignInAsync(other, user);
        await page.BringToFrontAsync();

        await Expect(banner).ToBeHiddenAsync();
        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        CollectionAssert.AreEqual(Array.Empty<int>(), traffic.ResentAfterAcknowledgement.ToArray(), "no acknowledged chunk was sent again");
    }
}
