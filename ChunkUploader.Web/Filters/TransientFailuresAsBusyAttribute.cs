using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ChunkUploader.Web.Filters;

/// <summary>
/// Answers a database that is busy or unreachable for a moment (<see cref="TransientDatabaseFailures"/>) with 503 and
/// Retry-After, which Resumable.js sends again, instead of a 500, which fails the whole file for good. Nothing is lost
/// by the retry: a chunk is recorded only after its bytes are stored, and an unrecorded one is simply received again.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed partial class TransientFailuresAsBusyAttribute : Attribute, IExceptionFilter
{
    private static readonly Rejection Busy =
        Rejection.Busy("The server's database is busy for a moment; send the request again shortly.", TimeSpan.FromSeconds(5));

    public void OnException(ExceptionContext context)
    {
        if (!TransientDatabaseFailures.Is(context.Exception)) return;
        var http = context.HttpContext;
        LogBusy(http.RequestServices.GetRequiredService<ILogger<TransientFailuresAsBusyAttribute>>(), http.Request.Method, http.Request.Path, context.Exception);
        http.RequestServices.GetRequiredService<UploadMetrics>().Refused(Busy.StatusCode);
        context.Result = Busy.ToResult(http.Response);
        context.ExceptionHandled = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is busy or unreachable for now")]
    private static partial void LogBusy(ILogger logger, string method, string path, Exception exception);
}
