using ChunkUploader.Tests.Infrastructure;
using Microsoft.Playwright;

namespace ChunkUploader.Tests.Browser;

/// <summary>Every page, the Identity ones included, loads under the strict CSP with no blocked script, failed request or error status.</summary>
[TestClass]
[DoNotParallelize]
public sealed class PageHygieneTests
{
    [TestMethod]
    public async Task Every_page_loads_cleanly_under_the_content_security_policy()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync(admin: true);
        await using var _ = context;
        var anonymousContext = await (await BrowserFixture.BrowserAsync()).NewContextAsync(new() { BaseURL = AppFixture.Shared.BaseAddress.ToString() });
        await using var __ = anonymousContext;
        var anonymous = await anonymousContext.NewPageAsync();
        var problems = new List<string>();
        foreach (var watched in new[] { page, anonymous })
        {
            watched.Console += (_, message) => { if (message.Type == "error") lock (problems) problems.Add($"{watched.Url}: {message.Text}"); };
            watched.RequestFailed += (_, request) => { lock (problems) problems.Add($"failed: {request.Url}"); };
            watched.Response += (_, response) => { if (response.Status >= 400) lock (problems) problems.Add($"{response.Status}: {response.Url}"); };
        }

        foreach (var path in new[] { "", "Uploads", "Admin/Uploads", "Identity/Account/Manage", "Identity/Account/Manage/ChangePassword" })
            await VisitAsync(page, path);
        foreach (var path in new[] { "Identity/Account/Login", "Identity/Account/Register", "Identity/Account/ForgotPassword" })
            await VisitAsync(anonymous, path);

        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    private static async Task VisitAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }
}
