namespace ChunkUploader.Web.Data;

/// <summary>A quota an admin set for one user, in place of the configured default.</summary>
public sealed class UserQuota
{
    public required string UserId { get; set; }
    public long QuotaBytes { get; set; }
    public DateTime UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}
