using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.History;
using ChunkUploader.Web.Services.Uploads;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ChunkUploader.Web.Controllers;

/// <summary>The signed-in user's upload history: the table, one upload, and the download of a finished file.</summary>
[Authorize]
[Route("Uploads")]
public sealed partial class UploadsController(UploadHistory history, IUploadStore store, UploadRemover remover, UserManager<IdentityUser> users, ILogger<UploadsController> logger) : Controller
{
    private string UserId => users.GetUserId(User)!;

    private string? Scope => users.OwnerScope(User);

    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] HistoryFilter filter, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid) return BadRequest(HistoryFilterErrors.Describe(ModelState));
        return View(new HistoryTableModel(filter, await history.ListAsync(UserId, filter, cancellationToken), ShowUser: false));
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken) =>
        await history.FindAsync(id, Scope, cancellationToken) is { } upload ? View(upload) : NoSuchUpload();

    /// <summary>Deletes the file and any chunks; the record stays as Deleted. An admin may delete anyone's.</summary>
    [HttpPost("{id:guid}/delete")]
    [ValidateAntiForgeryToken]
    public async Task<IActionResult> Delete(Guid id, CancellationToken cancellationToken)
    {
        switch (await remover.DeleteAsync(id, Scope, User.Identity?.Name ?? UserId, cancellationToken))
        {
            case UploadDeletion.Deleted:
                TempData["Message"] = "The file was deleted.";
                return Redirect(Url.Content("~/Uploads"));
            case UploadDeletion.BeingFinished:
                TempData["Message"] = "The file is being finished right now; delete it again in a moment.";
                return Redirect(Url.Content($"~/Uploads/{id}"));
            default:
                return NoSuchUpload();
        }
    }

    /// <summary>
    /// Streams a finished file under its original name, with range support so that a large download can resume. HEAD
    /// (what download managers ask first, for the size and range support) gets the same headers and no body.
    /// </summary>
    [HttpGet("{id:guid}/download")]
    [HttpHead("{id:guid}/download")]
    public async Task<IActionResult> Download(Guid id, CancellationToken cancellationToken)
    {
        if (await history.FindAsync(id, Scope, cancellationToken) is not { Status: UploadStatus.Complete } upload) return NoSuchUpload();
        Stream? file;
        try
        {
            file = await store.OpenReadAsync(upload.UserId, upload.Id, cancellationToken);
        }
        catch (StorageFailedException failure)
        {
            LogUnreadable(logger, upload.Id, (failure.InnerException ?? failure).Message);
            Response.Headers.RetryAfter = "30";
            return StatusCode(StatusCodes.Status503ServiceUnavailable, "The file cannot be read right now (a storage error on the server's side); try again later.");
        }
        if (file is null) return NoSuchUpload();
        // ASP.NET Core reads any unit as bytes; RFC 9110 says a range in a unit the server does not know is ignored.
        if (Request.Headers.Range.ToString() is { Length: > 0 } range && !range.TrimStart().StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
            Request.Headers.Remove(HeaderNames.Range);
        Response.Headers.ContentDisposition = AttachmentDisposition.For(upload.FileName);
        // A complete upload's bytes never change (a new upload gets a new id), so its id is a strong validator: a
        // browser resumes an interrupted download (If-Range) only when it has one.
        return File(file, "application/octet-stream", upload.CompletedAt is { } completed ? new DateTimeOffset(completed, TimeSpan.Zero) : null,
            new EntityTagHeaderValue($"\"{upload.Id:N}\""), enableRangeProcessing: true);
    }

    /// <summary>Another user's upload looks exactly like one that does not exist.</summary>
    private NotFoundObjectResult NoSuchUpload() => NotFound("No such upload.");

    // The reason only, no stack trace: during an outage every download attempt says the same.
    [LoggerMessage(Level = LogLevel.Error, Message = "Upload {UploadId} is complete but its file cannot be read for a download: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, Guid uploadId, string reason);
}
