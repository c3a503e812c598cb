using ChunkUploader.Web.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Controllers;

public sealed class HomeController(IOptions<UploadOptions> limits) : Controller
{
    /// <summary>The uploader page.</summary>
    [Authorize]
    public IActionResult Index() => View(limits.Value);

    [AllowAnonymous]
    [ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
    public IActionResult Error() =>
        View(model: HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path);
}
