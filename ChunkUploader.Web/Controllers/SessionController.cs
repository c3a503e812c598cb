using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>
/// A fresh antiforgery token for the signed-in user. The upload page asks for it after the person signed in again in
/// another tab: the token rendered into the page belongs to the session that ended.
/// </summary>
[Authorize]
[Route("api/session")]
public sealed class SessionController(IAntiforgery antiforgery) : ControllerBase
{
    [HttpGet]
    [ResponseCache(Location = ResponseCacheLocation.None, NoStore = true)]
    public IActionResult Token() => Ok(new SessionToken(antiforgery.GetAndStoreTokens(HttpContext).RequestToken!));
}

public sealed record SessionToken(string Token);
