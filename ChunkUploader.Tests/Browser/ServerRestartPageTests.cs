using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The app as a child process, SIGKILLed mid-upload and started again on the same port, storage and database.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ServerRestartPageTests
{
    [TestMethod]
    public async Task A_server_killed_and_restarted_mid_upload_is_ridden_out_and_the_page_finishes_with_no_click()
    {
        var storage = Path.Combine(AppFixture.Shared.WorkDirectory + "-restarted", "storage");
        var user = new TestUser("", $"restart-{Guid.NewGuid():N}@test.local", "Restart-Pass-1234!");
        var settings = new Dictionary<string, string> { ["Upload:PageChunkSize"] = ChunkSize.ToString() };
        var app = await AppProcess.StartAsync(storage, user, settings: settings);
        try
        {
            var (context, page) = await BrowserFixture.SignedInPageAsync(app.BaseAddress, user);
            await using var _ = context;
            var (file, traffic, release) = await UploadHalfwayAsync(page, "restart.bin", acknowledged: 10);
            await app.KillAsync();
            release();
            await Expect(Row(page, "restart.bin")).ToHaveAttributeAsync("data-state", "retrying");
            await app.DisposeAsync();
            app = await AppProcess.StartAsync(storage, user, app.BaseAddress.Port, settings);

            var id = await AssertRowDoneAsync(page, file);
            await AssertStoredAsync(storage, id, Sha256Of(file));
            CollectionAssert.AreEqual(Array.Empty<int>(), traffic.ResentAfterAcknowledgement.ToArray(), "no acknowledged chunk was sent again");
        }
        finally
        {
            await app.DisposeAsync();
            try { Directory.Delete(Path.GetDirectoryName(storage)!, recursive: true); } catch (IOException) { }
        }
    }
}
