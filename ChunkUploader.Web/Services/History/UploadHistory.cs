using System.Text;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.History;

/// <summary>A page of results and the total count behind it.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int TotalCount)
{
    public int PageCount => Math.Max(1, (TotalCount + PageSize - 1) / PageSize);
}

/// <summary>
/// Reads upload records for the history views, the CSV export and the JSON API. Filtering, sorting, paging and
/// totals all run in the database on indexed columns; nothing loads a whole table.
/// </summary>
public sealed class UploadHistory(AppDbContext db)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>One page; <paramref name="ownerId"/> null means every user's.</summary>
    public async Task<Page<UploadView>> ListAsync(string? ownerId, HistoryFilter filter, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        var rows = Filtered(ownerId, filter);
        var total = await rows.CountAsync(cancellationToken);
        // A page before the first or past the last shows the nearest one, as a user who edited the URL expects.
        var page = Math.Clamp(filter.Page, 1, Math.Max(1, (total + pageSize - 1) / pageSize));
        var items = await Project(Sorted(rows, filter).Skip((page - 1) * pageSize).Take(pageSize)).ToListAsync(cancellationToken);
        return new Page<UploadView>(items, page, pageSize, total);
    }

    /// <summary>Every matching upload in order, streamed (for the CSV export).</summary>
    public IAsyncEnumerable<UploadView> StreamAsync(string? ownerId, HistoryFilter filter) =>
        Project(Sorted(Filtered(ownerId, filter), filter)).AsAsyncEnumerable();

    /// <summary>One upload, if it is the owner's (or any user's when <paramref name="ownerId"/> is null).</summary>
    public Task<UploadView?> FindAsync(Guid id, string? ownerId, CancellationToken cancellationToken) =>
        Project(Filtered(ownerId, new HistoryFilter()).Where(r => r.Upload.Id == id)).SingleOrDefaultAsync(cancellationToken);

    public async Task<HistoryTotals> TotalsAsync(string? ownerId, HistoryFilter filter, CancellationToken cancellationToken)
    {
        var uploads = Filtered(ownerId, filter).Select(r => r.Upload);

        var byStatus = await uploads.GroupBy(u => u.Status)
            .Select(g => new StatusTotal(g.Key, g.Count())).ToListAsync(cancellationToken);
        var count = byStatus.Sum(s => s.Uploads);
        var bytes = count == 0 ? 0 : await uploads.SumAsync(u => u.BytesReceived, cancellationToken);
        var finished = await uploads.CountAsync(u => !UploadStatuses.Live.Contains(u.Status), cancellationToken);
        var succeeded = await uploads.CountAsync(u => u.CompletedAt != null, cancellationToken);

        // The median is one indexed row: the middle of the speeds in order. Rows may go between the count and the read
        // (an account deleted meanwhile), so the read may find none.
        var timed = uploads.Where(u => u.BytesPerSecond != null);
        var timedCount = await timed.CountAsync(cancellationToken);
        double? median = timedCount == 0 ? null
            : await timed.OrderBy(u => u.BytesPerSecond).Skip(timedCount / 2).Select(u => u.BytesPerSecond).FirstOrDefaultAsync(cancellationToken);

        var perDay = (await uploads.GroupBy(u => u.StartedAt.Date)
                .Select(g => new { Day = g.Key, Uploads = g.Count(), Bytes = g.Sum(u => u.BytesReceived) })
                .OrderBy(d => d.Day).ToListAsync(cancellationToken))
            .Select(d => new DayTotal(DateOnly.FromDateTime(d.Day), d.Uploads, d.Bytes)).ToList();

        return new HistoryTotals(count, bytes, succeeded, finished, median, perDay, byStatus.OrderBy(s => s.Status).ToList());
    }

    private sealed class Row
    {
        public required Upload Upload { get; init; }
        public string? Email { get; init; }
    }

    private IQueryable<Row> Filtered(string? ownerId, HistoryFilter filter)
    {
        var rows = from u in db.Uploads.AsNoTracking()
                   join user in db.Users on u.UserId equals user.Id into owners
                   from owner in owners.DefaultIfEmpty()
                   select new Row { Upload = u, Email = owner.Email };

        if (ownerId is not null) rows = rows.Where(r => r.Upload.UserId == ownerId);
        if (!string.IsNullOrWhiteSpace(filter.User))
            rows = rows.Where(r => r.Email != null && r.Email.Contains(filter.User.Trim()));
        if (filter.Status is { } status) rows = rows.Where(r => r.Upload.Status == status);
        if (filter.From is { } from)
        {
            var start = from.ToDateTime(TimeOnly.MinValue);
            rows = rows.Where(r => r.Upload.StartedAt >= start);
        }
        // The last representable day has no day after it: it means "no end".
        if (filter.To is { } to && to < DateOnly.MaxValue)
        {
            var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue);
            rows = rows.Where(r => r.Upload.StartedAt < end);
        }
        if (!string.IsNullOrWhiteSpace(filter.Name))
        {
            // Stored names are NFC (the chunk parser makes them so); a search typed or pasted decomposed must match them.
            var name = filter.Name.Trim().Normalize(NormalizationForm.FormC);
            rows = rows.Where(r => r.Upload.FileName.Contains(name) || r.Upload.RelativePath.Contains(name));
        }
        return rows;
    }

    private static IQueryable<Row> Sorted(IQueryable<Row> rows, HistoryFilter filter) => (filter.Sort, filter.Asc) switch
    {
        (UploadSort.Size, false) => rows.OrderByDescending(r => r.Upload.TotalSize).ThenByDescending(r => r.Upload.Id),
        (UploadSort.Size, true) => rows.OrderBy(r => r.Upload.TotalSize).ThenBy(r => r.Upload.Id),
        (UploadSort.Duration, false) => rows.OrderByDescending(r => r.Upload.DurationSeconds).ThenByDescending(r => r.Upload.Id),
        (UploadSort.Duration, true) => rows.OrderBy(r => r.Upload.DurationSeconds == null).ThenBy(r => r.Upload.DurationSeconds).ThenBy(r => r.Upload.Id),
        (UploadSort.Speed, false) => rows.OrderByDescending(r => r.Upload.BytesPerSecond).ThenByDescending(r => r.Upload.Id),
        (UploadSort.Speed, true) => rows.OrderBy(r => r.Upload.BytesPerSecond == null).ThenBy(r => r.Upload.BytesPerSecond).ThenBy(r => r.Upload.Id),
        (_, true) => rows.OrderBy(r => r.Upload.StartedAt).ThenBy(r => r.Upload.Id),
        _ => rows.OrderByDescending(r => r.Upload.StartedAt).ThenByDescending(r => r.Upload.Id),
    };

    private static IQueryable<UploadView> Project(IQueryable<Row> rows) =>
        rows.Select(r => new UploadView(r.Upload.Id, r.Upload.UserId, r.Email, r.Upload.FileName, r.Upload.RelativePath, r.Upload.ContentType,
            r.Upload.TotalSize, r.Upload.ChunkSize, r.Upload.TotalChunks, r.Upload.ChunksReceived, r.Upload.BytesReceived, r.Upload.Status,
            r.Upload.FailureReason, r.Upload.StartedAt, r.Upload.UpdatedAt, r.Upload.CompletedAt, r.Upload.DurationSeconds, r.Upload.BytesPerSecond,
            r.Upload.Sha256, r.Upload.DeletedAt, r.Upload.DeletedBy));
}
