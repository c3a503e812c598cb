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
        var usage = db.Uploads
            .GroupBy(u => u.UserId)
            .Select(g => new
            {
                UserId = g.Key,
                BytesHeld = g.Sum(u => u.Status == UploadStatus.Complete || u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling ? u.TotalSize : 0L),
                Files = g.Count(u => u.Status == UploadStatus.Complete),
                InProgress = g.Count(u => u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling),
                LastActivity = g.Max(u => (DateTime?)u.UpdatedAt),
            });
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);

        var users = db.Users.AsQueryable();
        if (!string.IsNullOrWhiteSpace(email)) users = users.Where(u => u.Email!.Contains(email.Trim()));
        var total = await users.CountAsync(cancellationToken);

        var defaultQuota = options.Value.UserQuotaBytes;
        var rows = await (
                from user in users
                join use in usage on user.Id equals use.UserId into uses
                from use in uses.DefaultIfEmpty()
                join quota in db.UserQuotas on user.Id equals quota.UserId into quotas
                from quota in quotas.DefaultIfEmpty()
                orderby user.Email
                select new UserUsage(
                    user.Id,
                    user.Email ?? user.UserName ?? user.Id,
                    db.UserRoles.Any(r => r.UserId == user.Id && r.RoleId == adminRoleId),
                    use == null ? 0 : use.BytesHeld,
                    use == null ? 0 : use.Files,
                    use == null ? 0 : use.InProgress,
                    quota == null ? defaultQuota : quota.QuotaBytes,
                    quota != null,
                    use == null ? null : use.LastActivity,
                    user.LockoutEnd))
            .Skip((Math.Max(page, 1) - 1) * PageSize)
            .Take(PageSize)
            .ToListAsync(cancellationToken);
        return (rows, total);
    }
}
