using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Filters;

/// <summary>
/// Antiforgery validation for XHR endpoints that carry the token in a header. A request without the header is
/// refused before anything reads its body: ASP.NET Core's own validation would otherwise fall back to reading
/// (and spooling) the whole multipart form in search of a form field.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed partial class ValidateAntiforgeryHeaderAttribute : Attribute, IAsyncAuthorizationFilter, IOrderedFilter
{
    // After authentication/authorisation filters, as with [ValidateAntiForgeryToken]: an anonymous caller gets 401, not 400.
    public int Order => 1000;

    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        var headerName = http.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.HeaderName!;
        var logger = http.RequestServices.GetRequiredService<ILogger<ValidateAntiforgeryHeaderAttribute>>();

        if (string.IsNullOrWhiteSpace(http.Request.Headers[headerName].ToString()))
        {
            LogRejected(logger, http.Request.Method, http.Request.Path, "missing or empty header");
            context.Result = Refuse($"The {headerName} header is missing or empty: reload the page and try again.");
            return;
        }
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException exception)
        {
            LogRejected(logger, http.Request.Method, http.Request.Path, exception.Message);
            context.Result = Refuse($"The {headerName} token is not valid for this session: reload the page and try again.");
        }
    }

    private static ContentResult Refuse(string message) =>
        new() { StatusCode = StatusCodes.Status400BadRequest, Content = message, ContentType = "text/plain; charset=utf-8" };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Antiforgery check refused {Method} {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, string path, string reason);
}
