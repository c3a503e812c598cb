using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace ChunkUploader.Web.Security;

/// <summary>
/// MVC and Razor Pages answer a form post without a valid antiforgery token with an empty 400; this says why, so that
/// a user who left a page open too long knows to reload it.
/// </summary>
public sealed class AntiforgeryFailureMessage : IAlwaysRunResultFilter
{
    public const string Message = "The form's antiforgery token is missing or not valid for this session: reload the page and try again.";

    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
            context.Result = new ContentResult { StatusCode = StatusCodes.Status400BadRequest, Content = Message, ContentType = "text/plain; charset=utf-8" };
    }

    public void OnResultExecuted(ResultExecutedContext context) { }
}
