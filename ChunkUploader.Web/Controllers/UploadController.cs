using System.Diagnostics;
using System.Security.Claims;
using ChunkUploader.Web.Filters;
using ChunkUploader.Web.Services.Uploads;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

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
    UploadMetrics metrics,
    RefusalLog refusals,
    IOptions<IdentityOptions> identity,
    ILogger<UploadController> logger) : ControllerBase
{
    // Read as UserManager.GetUserId reads it, without building a user manager for every chunk and probe.
    private string? SignedInUserId => User.FindFirstValue(identity.Value.ClaimsIdentity.UserIdClaimType);
    private string UserId => SignedInUserId!;

    [HttpGet]
    public async Task<IActionResult> Probe()
    {
        var parsed = reader.ReadProbe(Request);
        if (parsed.Rejection is { } rejection) return Refuse(rejection);

        var held = await receiver.HasChunkAsync(UserId, parsed.Value!, HttpContext.RequestAborted);
        if (held.Rejection is { } mismatch) return Refuse(mismatch);
        return held.Value ? Content("Chunk present.", "text/plain") : NoContent();
    }

    /// <summary>What the server holds of the upload with this identifier (live, or complete), so that a page can say it is resuming or done.</summary>
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
        var started = Stopwatch.GetTimestamp();
        try
        {
            var incoming = await reader.ReadUploadAsync(Request, aborted);
            if (incoming.Rejection is { } rejection) return Refuse(rejection);

            var receipt = await receiver.ReceiveAsync(UserId, incoming.Value!, aborted);
            if (receipt.Rejection is { } refused) return Refuse(refused);
            return Ok(receipt.Value);
        }
        catch (StorageFailedException failure)
        {
            LogStorageFailed(logger, failure.Full, failure.InnerException!);
            return Refuse(failure.Full
                ? Rejection.InsufficientStorage("The server's storage is full, so this chunk was not stored; the chunks it already has are kept, and the upload can go on once space is freed.")
                : Rejection.Busy("The server could not store this chunk (a storage error on its side); send it again shortly.", TimeSpan.FromSeconds(30)));
        }
        catch (Exception exception) when (aborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away mid-chunk; the partial bytes are unrecorded and will be sent again.
            LogAborted(logger, Request.Path);
            return new EmptyResult();
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse(Rejection.TooLarge($"The request body is larger than any chunk this server accepts: {exception.Message}"));
        }
        catch (BadHttpRequestException exception)
        {
            // A body that stalled past Kestrel's minimum data rate or was cut off: a network event, so answer with a status the client retries.
            return Refuse(new Rejection(StatusCodes.Status408RequestTimeout, $"The chunk body stopped arriving ({exception.Message}); send it again."));
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            return Refuse(Rejection.BadRequest($"The multipart body is malformed or ends before its closing boundary: {exception.Message}"));
        }
        finally
        {
            metrics.ChunkRequestTook(Stopwatch.GetElapsedTime(started));
        }
    }

    private ContentResult Refuse(Rejection rejection)
    {
        metrics.Refused(rejection.StatusCode);
        refusals.Refused(SignedInUserId, Request.Method, rejection.StatusCode, rejection.Message);
        return rejection.ToResult(Response);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed while receiving a chunk (volume full: {Full})")]
    private static partial void LogStorageFailed(ILogger logger, bool full, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client aborted a chunk on {Path}")]
    private static partial void LogAborted(ILogger logger, string path);
}
