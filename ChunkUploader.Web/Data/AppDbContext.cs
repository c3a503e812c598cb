using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

/// <summary>
/// The model, the same for every provider. Each provider has a derived context (<see cref="SqliteAppDbContext"/>,
/// <see cref="PostgreSqlAppDbContext"/>) only so that each keeps its own generated migrations; code uses this type.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public DbSet<Upload> Uploads => Set<Upload>();
    public DbSet<UploadChunk> UploadChunks => Set<UploadChunk>();
    public DbSet<UserQuota> UserQuotas => Set<UserQuota>();
    public DbSet<UserUploadTotals> UserUploadTotals => Set<UserUploadTotals>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    /// <summary>The Data Protection key ring, shared by every instance so that cookies and antiforgery tokens work on all of them.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // Every timestamp is UTC; Npgsql refuses a DateTime of unspecified kind for timestamptz.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Upload>(upload =>
        {
            // The triggers that keep UserUploadTotals (UploadTotalsTriggers), declared for the model's readers: they
            // never write to Uploads, which has no generated values, so EF needs nothing from them.
            upload.ToTable(table => table.HasTrigger(UploadTotalsTriggers.Name));
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
            // Finds a user's completed upload of a file (a resend or probe after completion) without scanning their history.
            upload.HasIndex(u => new { u.UserId, u.Identifier, u.Status });
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

        builder.Entity<UserUploadTotals>(totals =>
        {
            totals.HasKey(t => t.UserId);
            totals.Property(t => t.UserId).HasMaxLength(450);
            totals.HasOne<IdentityUser>().WithOne().HasForeignKey<UserUploadTotals>(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
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
