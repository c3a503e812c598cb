using ChunkUploader.Web.Options;
using ChunkUploader.Web.Presentation;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Controllers;

public sealed class HomeController(IOptions<UploadOptions> limits, IConfiguration configuration, UploadLedger ledger, UserManager<IdentityUser> users) : Controller
{
    /// <summary>The uploader page with the person's storage use; anonymous visitors get a landing that says what the service is instead of a bare login redirect.</summary>
    [AllowAnonymous]
    public async Task<IActionResult> Index(CancellationToken cancellationToken) =>
        users.GetUserId(User) is { } userId
            ? View(new UploadPageModel(limits.Value, await ledger.UsageAsync(userId, cancellationToken)))
            : View("Landing", new LandingModel(configuration.IsOpen(), limits.Value.MaxFileSize));

    [AllowAnonymous]
    [ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
    public IActionResult Error() =>
        View(model: HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path);
}
