using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.History;

/// <summary>A page of results and the total count behind it.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int TotalCount)
{
    public int PageCount => Math.Max(1, (TotalCount + PageSize - 1) / PageSize);
}

/// <summary>Reads upload records for the history views and the JSON API.</summary>
public sealed class UploadHistory(AppDbContext db)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>Newest first; <paramref name="userId"/> null means every user's.</summary>
    public async Task<Page<UploadView>> ListAsync(string? userId, int page, int pageSize, CancellationToken cancellationToken)
    {
        page = Math.Max(page, 1);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var uploads = db.Uploads.AsNoTracking().Where(u => userId == null || u.UserId == userId);
        var total = await uploads.CountAsync(cancellationToken);
        var items = await Project(uploads.OrderByDescending(u => u.StartedAt).ThenByDescending(u => u.Id)
                .Skip((page - 1) * pageSize).Take(pageSize))
            .ToListAsync(cancellationToken);
        return new Page<UploadView>(items, page, pageSize, total);
    }

    /// <summary>One upload, if it is the user's (or any user's when <paramref name="userId"/> is null).</summary>
    public Task<UploadView?> FindAsync(Guid id, string? userId, CancellationToken cancellationToken) =>
        Project(db.Uploads.AsNoTracking().Where(u => u.Id == id && (userId == null || u.UserId == userId)))
            .SingleOrDefaultAsync(cancellationToken);

    private IQueryable<UploadView> Project(IQueryable<Upload> uploads) =>
        from u in uploads
        join user in db.Users on u.UserId equals user.Id into owners
        from owner in owners.DefaultIfEmpty()
        select new UploadView(u.Id, u.UserId, owner.Email, u.FileName, u.RelativePath, u.ContentType, u.TotalSize, u.ChunkSize,
            u.TotalChunks, u.ChunksReceived, u.BytesReceived, u.Status, u.FailureReason, u.StartedAt, u.UpdatedAt, u.CompletedAt,
            u.Sha256, u.DeletedAt, u.DeletedBy);
}
