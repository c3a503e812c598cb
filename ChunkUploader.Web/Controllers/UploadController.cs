using ChunkUploader.Web.Filters;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>The Resumable.js endpoint: <c>GET</c> is the testChunks probe, <c>POST</c> carries one chunk.</summary>
/// <remarks>
/// The actions bind no parameters, so MVC never reads the form: the chunk is streamed from the request body to disk.
/// The cancellation token therefore comes from <see cref="HttpContext.RequestAborted"/>.
/// </remarks>
[Authorize]
[Route("api/upload")]
public sealed partial class UploadController(
    ChunkRequestReader reader,
    UploadReceiver receiver,
    UserManager<IdentityUser> users,
    ILogger<UploadController> logger) : ControllerBase
{
    private string UserId => users.GetUserId(User)!;

    [HttpGet]
    public async Task<IActionResult> Probe()
    {
        var parsed = reader.ReadProbe(Request);
        if (parsed.Rejection is { } rejection) return Refuse(rejection);

        var held = await receiver.HasChunkAsync(UserId, parsed.Value!, HttpContext.RequestAborted);
        if (held.Rejection is { } mismatch) return Refuse(mismatch);
        return held.Value ? Content("Chunk present.", "text/plain") : NoContent();
    }

    /// <summary>What the server holds of the live upload with this identifier, so that a page can say it is resuming.</summary>
    [HttpGet("status")]
    public async Task<IActionResult> Status()
    {
        var identifier = ChunkRequestReader.ReadIdentifier(Request);
        if (identifier.Rejection is { } missing) return Refuse(missing);
        // 204 rather than 404 when nothing is held: a fresh file is the normal case, not an error.
        return await receiver.ProgressAsync(UserId, identifier.Value!, HttpContext.RequestAborted) is { } progress
            ? Ok(progress)
            : NoContent();
    }

    /// <summary>Cancels the live upload with this identifier; its chunks are deleted at once.</summary>
    [HttpDelete]
    [ValidateAntiforgeryHeader]
    public async Task<IActionResult> Cancel()
    {
        var identifier = ChunkRequestReader.ReadIdentifier(Request);
        if (identifier.Rejection is { } missing) return Refuse(missing);
        return await receiver.CancelAsync(UserId, identifier.Value!, HttpContext.RequestAborted)
            ? NoContent()
            : Refuse(Rejection.NotFound("No upload in progress with that identifier."));
    }

    [HttpPost]
    [ValidateAntiforgeryHeader]
    public async Task<IActionResult> Receive()
    {
        var aborted = HttpContext.RequestAborted;
        try
        {
            var incoming = await reader.ReadUploadAsync(Request, aborted);
            if (incoming.Rejection is { } rejection) return Refuse(rejection);

            var (request, body) = incoming.Value!;
            var receipt = await receiver.ReceiveAsync(UserId, request, body, aborted);
            if (receipt.Rejection is { } refused) return Refuse(refused);
            return Ok(receipt.Value);
        }
        catch (Exception exception) when (aborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away mid-chunk; the partial bytes are unrecorded and will be sent again.
            LogAborted(logger, Request.Path);
            return new EmptyResult();
        }
        catch (BadHttpRequestException exception)
        {
            return Refuse(new Rejection(StatusCodes.Status400BadRequest, $"The request body could not be read: {exception.Message}"));
        }
        catch (InvalidDataException exception)
        {
            return Refuse(Rejection.BadRequest($"The multipart body is malformed: {exception.Message}"));
        }
    }

    private ContentResult Refuse(Rejection rejection)
    {
        LogRefused(logger, Request.Method, rejection.StatusCode, rejection.Message);
        return new ContentResult { StatusCode = rejection.StatusCode, Content = rejection.Message, ContentType = "text/plain; charset=utf-8" };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {Method} refused with {StatusCode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, int statusCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client aborted a chunk on {Path}")]
    private static partial void LogAborted(ILogger logger, string path);
}
