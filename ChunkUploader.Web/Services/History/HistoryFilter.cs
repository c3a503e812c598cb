using System.ComponentModel.DataAnnotations;
using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Data;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Services.History;

public enum UploadSort { Started, Size, Duration, Speed }

/// <summary>
/// What a history view asks for: filters, order and page. Bound from the query string; a value that cannot mean
/// anything (a status or sort that does not exist, a date that does not exist, a range that ends before it starts,
/// a 5,000-character search) is a validation error, which the controllers answer with 400 naming it. A page past the end shows the last page.
/// </summary>
public sealed record HistoryFilter : IValidatableObject
{
    /// <summary>Longest user or name search accepted; longer than any stored name or email.</summary>
    public const int MaxSearchLength = 1024;

    /// <summary>Part of the owner's email (admin view only).</summary>
    public string? User { get; init; }
    [ModelBinder(typeof(EnumNameBinder))]
    public UploadStatus? Status { get; init; }
    /// <summary>First day (UTC) of the start-date range.</summary>
    public DateOnly? From { get; init; }
    /// <summary>Last day (UTC) of the start-date range, inclusive.</summary>
    public DateOnly? To { get; init; }
    /// <summary>Part of the file name or relative path.</summary>
    public string? Name { get; init; }
    [ModelBinder(typeof(EnumNameBinder))]
    public UploadSort Sort { get; init; } = UploadSort.Started;
    /// <summary>Sort ascending; newest/largest/longest/fastest first otherwise.</summary>
    public bool Asc { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = UploadHistory.DefaultPageSize;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (From is { } from && To is { } to && from > to)
            yield return new ValidationResult($"The range starts ({from:yyyy-MM-dd}) after it ends ({to:yyyy-MM-dd}).", [nameof(From)]);
        if (SearchProblem("user", User) is { } user)
            yield return new ValidationResult(user, [nameof(User)]);
        if (SearchProblem("name", Name) is { } name)
            yield return new ValidationResult(name, [nameof(Name)]);
    }

    /// <summary>Why a search text cannot match anything stored (too long, or with a control character), or null.</summary>
    public static string? SearchProblem(string search, string? value) =>
        value?.Length > MaxSearchLength ? $"The {search} search is longer than {MaxSearchLength} characters."
        // No stored name or email has one, and PostgreSQL refuses a NUL in text outright.
        : value?.Any(char.IsControl) == true ? $"The {search} search contains control characters."
        : null;

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
