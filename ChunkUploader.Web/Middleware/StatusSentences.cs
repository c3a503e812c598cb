using Microsoft.AspNetCore.WebUtilities;

namespace ChunkUploader.Web.Middleware;

/// <summary>The plain-text sentence for an error status that left the pipeline with no body of its own.</summary>
public static class StatusSentences
{
    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        var sentence = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "Nothing is at this address.",
            StatusCodes.Status405MethodNotAllowed => $"This address does not take {context.Request.Method} requests.",
            var status => $"{ReasonPhrases.GetReasonPhrase(status)}.",
        };
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(sentence, context.RequestAborted);
    }
}
