using ChunkUploader.Web.Options;
using ChunkUploader.Web.Presentation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Controllers;

public sealed class HomeController(IOptions<UploadOptions> limits, IConfiguration configuration) : Controller
{
    /// <summary>The uploader page; anonymous visitors get a landing that says what the service is instead of a bare login redirect.</summary>
    [AllowAnonymous]
    public IActionResult Index() =>
        User.Identity?.IsAuthenticated == true
            ? View(limits.Value)
            : View("Landing", new LandingModel(configuration.IsOpen(), limits.Value.MaxFileSize));

    [AllowAnonymous]
    [ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
    public IActionResult Error() =>
        View(model: HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path);
}
