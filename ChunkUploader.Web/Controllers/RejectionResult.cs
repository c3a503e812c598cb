using System.Globalization;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>A refusal as the app answers it: its status, <c>Retry-After</c> when it has one, and its message as plain text.</summary>
public static class RejectionResult
{
    private const string PlainText = "text/plain; charset=utf-8";

    public static ContentResult ToResult(this Rejection rejection, HttpResponse response)
    {
        SetRetryAfter(rejection, response);
        return new ContentResult { StatusCode = rejection.StatusCode, Content = rejection.Message, ContentType = PlainText };
    }

    /// <summary>The same answer written by a middleware, outside MVC.</summary>
    public static Task WriteAsync(this Rejection rejection, HttpResponse response, CancellationToken cancellationToken)
    {
        SetRetryAfter(rejection, response);
        response.StatusCode = rejection.StatusCode;
        response.ContentType = PlainText;
        return response.WriteAsync(rejection.Message, cancellationToken);
    }

    private static void SetRetryAfter(Rejection rejection, HttpResponse response)
    {
        if (rejection.RetryAfter is { } retryAfter)
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }
}
