using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.History;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>The signed-in user's upload history: the table, one upload, and the download of a finished file.</summary>
[Authorize]
[Route("Uploads")]
public sealed class UploadsController(UploadHistory history, ChunkStore store, UserManager<IdentityUser> users) : Controller
{
    private string UserId => users.GetUserId(User)!;

    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, CancellationToken cancellationToken = default) =>
        View(await history.ListAsync(UserId, page, UploadHistory.DefaultPageSize, cancellationToken));

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken) =>
        await history.FindAsync(id, UserId, cancellationToken) is { } upload ? View(upload) : NotFound();

    /// <summary>Streams a finished file under its original name, with range support so that a large download can resume.</summary>
    [HttpGet("{id:guid}/download")]
    public async Task<IActionResult> Download(Guid id, CancellationToken cancellationToken)
    {
        if (await history.FindAsync(id, UserId, cancellationToken) is not { Status: UploadStatus.Complete } upload) return NotFound();
        var file = store.Finished(upload.UserId, upload.Id);
        if (!file.Exists) return NotFound();
        return PhysicalFile(file.FullName, "application/octet-stream", Path.GetFileName(upload.FileName.Replace('\\', '/')), enableRangeProcessing: true);
    }
}
