using System.Globalization;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

public static class RejectionResult
{
    /// <summary>A refusal as the upload API answers it: its status, <c>Retry-After</c> when it has one, and its message as plain text.</summary>
    public static ContentResult ToResult(this Rejection rejection, HttpResponse response)
    {
        if (rejection.RetryAfter is { } retryAfter)
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new ContentResult { StatusCode = rejection.StatusCode, Content = rejection.Message, ContentType = "text/plain; charset=utf-8" };
    }
}
