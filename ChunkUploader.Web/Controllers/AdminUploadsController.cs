using System.Globalization;
using System.Text;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.History;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>Every user's uploads for admins: filters, sorting, totals, charts and CSV export.</summary>
[Authorize(Roles = Roles.Admin)]
[Route("Admin/Uploads")]
public sealed class AdminUploadsController(UploadHistory history) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] HistoryFilter filter, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid) return BadRequest(HistoryFilterErrors.Describe(ModelState));
        var page = await history.ListAsync(ownerId: null, filter, cancellationToken);
        var totals = await history.TotalsAsync(ownerId: null, filter, cancellationToken);
        return View(new AdminHistoryModel(filter, page, totals));
    }

    /// <summary>The filtered set as CSV, streamed row by row; cells that a spreadsheet would run as formulas are defused.</summary>
    [HttpGet("export.csv")]
    public async Task Export([FromQuery] HistoryFilter filter, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await Response.WriteAsync(HistoryFilterErrors.Describe(ModelState), cancellationToken);
            return;
        }
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"uploads-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        await writer.WriteLineAsync("id,user,file_name,relative_path,size_bytes,status,failure_reason,started_utc,completed_utc,duration_seconds,bytes_per_second,sha256,deleted_utc,deleted_by");
        await foreach (var u in history.StreamAsync(ownerId: null, filter).WithCancellation(cancellationToken))
        {
            string[] cells =
            [
                u.Id.ToString(), u.UserEmail ?? u.UserId, u.FileName, u.RelativePath, u.TotalSize.ToString(CultureInfo.InvariantCulture),
                u.Status.ToString(), u.FailureReason ?? "", Timestamp(u.StartedAt), Timestamp(u.CompletedAt),
                Number(u.DurationSeconds), Number(u.BytesPerSecond), u.Sha256 ?? "", Timestamp(u.DeletedAt), u.DeletedBy ?? "",
            ];
            await writer.WriteLineAsync(string.Join(',', cells.Select(Csv)));
        }
    }

    private static string Timestamp(DateTime? value) => value?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";

    private static string Csv(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}

public sealed record AdminHistoryModel(HistoryFilter Filter, Page<UploadView> Page, HistoryTotals Totals);
