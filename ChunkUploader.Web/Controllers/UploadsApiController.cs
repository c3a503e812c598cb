using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.History;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>Upload records as JSON: the signed-in user's, or everyone's for an admin with <c>?all=true</c>.</summary>
[Authorize]
[Route("api/uploads")]
public sealed class UploadsApiController(UploadHistory history, UserManager<IdentityUser> users) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> List([FromQuery] HistoryFilter filter, bool all = false, CancellationToken cancellationToken = default)
    {
        if (!ModelState.IsValid) return BadRequest(HistoryFilterErrors.Describe(ModelState));
        if (all && !User.IsInRole(Roles.Admin))
            return StatusCode(StatusCodes.Status403Forbidden, "Only admins may list every user's uploads.");
        return Ok(await history.ListAsync(all ? null : users.GetUserId(User), filter, cancellationToken));
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Get(Guid id, CancellationToken cancellationToken)
    {
        return await history.FindAsync(id, users.OwnerScope(User), cancellationToken) is { } upload ? Ok(upload) : NotFound("No such upload.");
    }
}
