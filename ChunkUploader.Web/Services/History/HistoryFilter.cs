using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Services.History;

public enum UploadSort { Started, Size, Duration, Speed }

/// <summary>What a history view asks for: filters, order and page. Bound from the query string.</summary>
public sealed record HistoryFilter
{
    /// <summary>Part of the owner's email (admin view only).</summary>
    public string? User { get; init; }
    public UploadStatus? Status { get; init; }
    /// <summary>First day (UTC) of the start-date range.</summary>
    public DateOnly? From { get; init; }
    /// <summary>Last day (UTC) of the start-date range, inclusive.</summary>
    public DateOnly? To { get; init; }
    /// <summary>Part of the file name or relative path.</summary>
    public string? Name { get; init; }
    public UploadSort Sort { get; init; } = UploadSort.Started;
    /// <summary>Sort ascending; newest/largest/longest/fastest first otherwise.</summary>
    public bool Asc { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = UploadHistory.DefaultPageSize;

    /// <summary>The same filter on another page, for links.</summary>
    public Dictionary<string, string?> RouteValues(int? page = null, UploadSort? sort = null, bool? asc = null) => new()
    {
        ["user"] = User,
        ["status"] = Status?.ToString(),
        ["from"] = From?.ToString("yyyy-MM-dd"),
        ["to"] = To?.ToString("yyyy-MM-dd"),
        ["name"] = Name,
        ["sort"] = (sort ?? Sort).ToString(),
        ["asc"] = (asc ?? Asc) ? "true" : null,
        ["page"] = (page ?? Page).ToString(),
    };
}

/// <summary>Figures over a whole filtered set, not just the page shown.</summary>
public sealed record HistoryTotals(
    int Uploads,
    long Bytes,
    int Succeeded,
    int Finished,
    double? MedianBytesPerSecond,
    IReadOnlyList<DayTotal> PerDay,
    IReadOnlyList<StatusTotal> ByStatus)
{
    /// <summary>Share of finished uploads (not still receiving) that completed.</summary>
    public double? SuccessRate => Finished == 0 ? null : (double)Succeeded / Finished;
}

public sealed record DayTotal(DateOnly Day, int Uploads, long Bytes);

public sealed record StatusTotal(UploadStatus Status, int Uploads);

/// <summary>A history table as a view renders it: the filter that made it, the page, and whether to show the owner.</summary>
public sealed record HistoryTableModel(HistoryFilter Filter, Page<UploadView> Page, bool ShowUser);
