using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Accounts;

/// <summary>One user as the admin users page shows them.</summary>
public sealed record UserUsage(
    string Id,
    string Email,
    bool IsAdmin,
    long BytesHeld,
    int Files,
    int UploadsInProgress,
    long QuotaBytes,
    bool HasOwnQuota,
    DateTime? LastActivity,
    DateTimeOffset? LockoutEnd);

/// <summary>
/// Users with what they hold, computed in the database: bytes held counts complete uploads plus the declared size of
/// uploads in progress (the same measure the quota is checked against), so an admin reads the number the server uses.
/// </summary>
public sealed class UserUsageReport(AppDbContext db, IOptions<UploadOptions> options)
{
    public const int PageSize = 50;

    public async Task<(IReadOnlyList<UserUsage> Users, int TotalCount)> ListAsync(string? email, int page, CancellationToken cancellationToken)
    {
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        var users = db.Users.AsQueryable();
        if (!string.IsNullOrWhiteSpace(email)) users = users.Where(u => u.Email!.Contains(email.Trim()));
        var total = await users.CountAsync(cancellationToken);

        // One page of users first, then their usage in one grouped query over the uploads of just those users.
        var accounts = await (
                from user in users
                join quota in db.UserQuotas on user.Id equals quota.UserId into quotas
                from quota in quotas.DefaultIfEmpty()
                orderby user.Email
                select new
                {
                    user.Id,
                    Email = user.Email ?? user.UserName ?? user.Id,
                    IsAdmin = db.UserRoles.Any(r => r.UserId == user.Id && r.RoleId == adminRoleId),
                    OwnQuota = quota == null ? (long?)null : quota.QuotaBytes,
                    user.LockoutEnd,
                })
            .Skip((Math.Max(page, 1) - 1) * PageSize)
            .Take(PageSize)
            .ToListAsync(cancellationToken);
        var ids = accounts.Select(a => a.Id).ToList();
        var usage = await db.Uploads
            .Where(u => ids.Contains(u.UserId))
            .GroupBy(u => u.UserId)
            .Select(g => new
            {
                UserId = g.Key,
                BytesHeld = g.Sum(u => u.Status == UploadStatus.Complete || u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling ? u.TotalSize : 0L),
                Files = g.Count(u => u.Status == UploadStatus.Complete),
                InProgress = g.Count(u => u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling),
                LastActivity = g.Max(u => u.UpdatedAt),
            })
            .ToDictionaryAsync(u => u.UserId, cancellationToken);

        var defaultQuota = options.Value.UserQuotaBytes;
        var rows = accounts.Select(a =>
        {
            var use = usage.GetValueOrDefault(a.Id);
            return new UserUsage(a.Id, a.Email, a.IsAdmin, use?.BytesHeld ?? 0, use?.Files ?? 0, use?.InProgress ?? 0,
                a.OwnQuota ?? defaultQuota, a.OwnQuota is not null, use?.LastActivity, a.LockoutEnd);
        }).ToList();
        return (rows, total);
    }
}
