using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace ChunkUploader.Web.Security;

/// <summary>
/// Replaces a <c>returnUrl</c> that points off this site with <c>/</c>, in the query string and in the account pages'
/// form posts. Identity's pages pass it to <c>LocalRedirect</c>, which throws (a 500) on a foreign URL; an open
/// redirect would be worse. Going home is what a user who followed such a link expects.
/// </summary>
public static partial class LocalReturnUrls
{
    private const string Home = "/";
    private static readonly PathString AccountPages = "/Identity";

    public static IApplicationBuilder UseLocalReturnUrls(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (Sanitised(request.Query) is { } query)
                request.QueryString = QueryString.Create(query);
            // Only the small account forms are read here; a chunk upload's body is never buffered.
            if (request.Path.StartsWithSegments(AccountPages) && request.HasFormContentType)
            {
                // The account forms are url-encoded; a multipart post would carry its return URL past this check.
                if (!request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                {
                    await RefuseAsync(context.Response, Rejection.UnsupportedMediaType("The account forms are sent as application/x-www-form-urlencoded."));
                    return;
                }
                IFormCollection form;
                try
                {
                    form = await request.ReadFormAsync(context.RequestAborted);
                }
                catch (InvalidDataException exception)
                {
                    await RefuseAsync(context.Response, Rejection.BadRequest($"The form could not be read: {exception.Message}"));
                    return;
                }
                catch (BadHttpRequestException exception)
                {
                    // Longer than any request this server takes (413), or cut off on its way (400): the sender's doing.
                    await RefuseAsync(context.Response, new Rejection(exception.StatusCode, $"The form could not be read: {exception.Message}"));
                    return;
                }
                if (Sanitised(form) is { } fields)
                    context.Features.Set<IFormFeature>(new FormFeature(new FormCollection(fields)));
            }
            await next(context);
        });

    private static Task RefuseAsync(HttpResponse response, Rejection rejection)
    {
        LogRefused(response.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalReturnUrls)),
            response.HttpContext.Request.Path, rejection.StatusCode, rejection.Message);
        return rejection.WriteAsync(response, response.HttpContext.RequestAborted);
    }

    /// <summary>True for a path on this site: "/x" or "~/x", but not "//host" or "/\host" (which browsers treat as another host).</summary>
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var path = url.StartsWith("~/", StringComparison.Ordinal) ? url[1..] : url;
        if (path[0] != '/') return false;
        if (path.Length > 1 && (path[1] == '/' || path[1] == '\\')) return false;
        return !path.Any(char.IsControl);
    }

    /// <summary>The values with every foreign return URL replaced, or null when there was none.</summary>
    private static Dictionary<string, StringValues>? Sanitised(IEnumerable<KeyValuePair<string, StringValues>> values)
    {
        var pairs = values.ToList();
        if (!pairs.Any(p => IsReturnUrl(p.Key) && p.Value.Any(v => !IsLocal(v)))) return null;
        return pairs.ToDictionary(
            p => p.Key,
            p => IsReturnUrl(p.Key) ? new StringValues(p.Value.Select(v => IsLocal(v) ? v : Home).ToArray()) : p.Value,
            StringComparer.OrdinalIgnoreCase);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an account form post to {Path} with {StatusCode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string path, int statusCode, string reason);

    private static bool IsReturnUrl(string key) => key.Equals("returnUrl", StringComparison.OrdinalIgnoreCase);
}
