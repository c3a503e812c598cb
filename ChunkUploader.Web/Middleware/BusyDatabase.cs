using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;

namespace ChunkUploader.Web.Middleware;

/// <summary>
/// A database that is busy or unreachable for a moment (<see cref="TransientDatabaseFailures"/>) is answered 503 with
/// Retry-After on every endpoint, instead of a 500: Resumable.js sends a chunk again after a 503 but fails the whole file
/// for good on a 500, and a page can be loaded again. Nothing is lost by the retry: a chunk is recorded only after its
/// bytes are stored, and an unrecorded one is simply received again.
/// </summary>
public static partial class BusyDatabase
{
    private static readonly Rejection Busy =
        Rejection.Busy("The server's database is busy for a moment; send the request again shortly.", TimeSpan.FromSeconds(5));

    /// <summary>
    /// Put inside the exception handler, which would otherwise answer these with its 500 page, and before
    /// authentication, whose session read (<see cref="Security.DatabaseTicketStore"/>) fails this way too.
    /// </summary>
    public static IApplicationBuilder UseBusyDatabaseAnswers(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception exception) when (TransientDatabaseFailures.Is(exception) && !context.Response.HasStarted)
            {
                var services = context.RequestServices;
                LogBusy(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BusyDatabase).FullName!), context.Request.Method, context.Request.Path, exception);
                if (context.Request.Path.StartsWithSegments("/api/upload"))
                    services.GetRequiredService<UploadMetrics>().Refused(Busy.StatusCode);
                context.Response.Clear();
                await Busy.WriteAsync(context.Response, context.RequestAborted);
            }
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is busy or unreachable for now")]
    private static partial void LogBusy(ILogger logger, string method, string path, Exception exception);
}
