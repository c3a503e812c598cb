using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Audit;

/// <summary>
/// The record of admin and operator changes, kept in the database beside what they changed so that a restore
/// brings the history back with the data and the admin users page can show it.
/// </summary>
public sealed class AuditLog(AppDbContext db, TimeProvider time)
{
    /// <summary>The actor name of changes made through a command on the server: the operating-system account that ran it.</summary>
    public static string CommandLineActor => "cli:" + Environment.UserName;

    public async Task RecordAsync(string actor, string action, string subject, string? detail, CancellationToken cancellationToken)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = time.GetUtcNow().UtcDateTime,
            Actor = Truncate(actor, 256),
            Action = action,
            Subject = Truncate(subject, 1024),
            Detail = detail is null ? null : Truncate(detail, 2000),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The newest events first.</summary>
    public async Task<IReadOnlyList<AuditEvent>> RecentAsync(int count, CancellationToken cancellationToken) =>
        await db.AuditEvents.AsNoTracking().OrderByDescending(a => a.Id).Take(count).ToListAsync(cancellationToken);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
