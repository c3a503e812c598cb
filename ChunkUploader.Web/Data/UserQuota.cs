namespace ChunkUploader.Web.Data;

/// <summary>An admin's own byte quota for one user, overriding <c>Upload:UserQuotaBytes</c>.</summary>
public sealed class UserQuota { public required string UserId { get; set; } public long QuotaBytes { get; set; } public DateTime UpdatedAt { get; set; } public required string UpdatedBy { get; set; } }
