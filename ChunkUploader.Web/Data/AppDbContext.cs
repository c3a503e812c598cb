using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<IdentityUser>(options)
{
    public DbSet<Upload> Uploads => Set<Upload>();
    public DbSet<UploadChunk> UploadChunks => Set<UploadChunk>();
    public DbSet<UserQuota> UserQuotas => Set<UserQuota>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Upload>(upload =>
        {
            upload.Property(u => u.UserId).HasMaxLength(450);
            upload.Property(u => u.Identifier).HasMaxLength(UploadLimits.MaxIdentifierLength);
            upload.Property(u => u.FileName).HasMaxLength(UploadLimits.MaxFileNameLength);
            upload.Property(u => u.RelativePath).HasMaxLength(UploadLimits.MaxRelativePathLength);
            upload.Property(u => u.ContentType).HasMaxLength(UploadLimits.MaxContentTypeLength);
            upload.Property(u => u.Status).HasConversion<string>().HasMaxLength(16);
            upload.Property(u => u.Sha256).HasMaxLength(64);
            upload.Property(u => u.FailureReason).HasMaxLength(500);
            upload.Property(u => u.DeletedBy).HasMaxLength(256);

            // At most one live upload per user and identifier: the database, not a process lock,
            // decides which of several simultaneous first chunks creates it.
            upload.HasIndex(u => new { u.UserId, u.Identifier })
                .IsUnique()
                .HasFilter($"\"Status\" IN ({string.Join(", ", UploadStatuses.Live.Select(status => $"'{status}'"))})")
                .HasDatabaseName("IX_Uploads_Live_UserId_Identifier");
            upload.HasIndex(u => new { u.UserId, u.StartedAt });
            upload.HasIndex(u => u.StartedAt);
            upload.HasIndex(u => u.Status);
            upload.HasIndex(u => u.TotalSize);
            upload.HasIndex(u => u.DurationSeconds);
            upload.HasIndex(u => u.BytesPerSecond);
            upload.Property(u => u.LeaseOwner).HasMaxLength(128);

            upload.HasOne<IdentityUser>().WithMany().HasForeignKey(u => u.UserId).OnDelete(DeleteBehavior.Cascade);
            upload.HasMany(u => u.Chunks).WithOne().HasForeignKey(c => c.UploadId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<UploadChunk>().HasKey(c => new { c.UploadId, c.Number });

        builder.Entity<UserQuota>(quota =>
        {
            quota.HasKey(q => q.UserId);
            quota.Property(q => q.UserId).HasMaxLength(450);
            quota.Property(q => q.UpdatedBy).HasMaxLength(256);
            quota.HasOne<IdentityUser>().WithOne().HasForeignKey<UserQuota>(q => q.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEvent>(audit =>
        {
            audit.Property(a => a.Actor).HasMaxLength(256);
            audit.Property(a => a.Action).HasMaxLength(64);
            audit.Property(a => a.Subject).HasMaxLength(1024);
            audit.Property(a => a.Detail).HasMaxLength(2000);
            audit.HasIndex(a => a.At);
        });

        builder.Entity<UserSession>(session =>
        {
            session.Property(s => s.Id).HasMaxLength(UserSession.IdLength);
            session.Property(s => s.UserId).HasMaxLength(450);
            session.HasIndex(s => s.UserId);
            session.HasIndex(s => s.ExpiresAt);
            session.HasOne<IdentityUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
