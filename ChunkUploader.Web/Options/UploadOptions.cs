using System.ComponentModel.DataAnnotations;

namespace ChunkUploader.Web.Options;

/// <summary>Upload limits. Bound from the <c>Upload</c> section and validated at start.</summary>
public sealed record UploadOptions : IValidatableObject
{
    public const string Section = "Upload";

    /// <summary>Smallest <c>resumableChunkSize</c> accepted; keeps the chunk count of a file bounded.</summary>
    [Range(typeof(long), "1", "1073741824")]
    public long MinChunkSize { get; init; } = 64 * 1024;

    /// <summary>Largest <c>resumableChunkSize</c> accepted. The last chunk may be up to twice this.</summary>
    [Range(typeof(long), "1", "1073741824")]
    public long MaxChunkSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest <c>resumableTotalSize</c> accepted.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long MaxFileSize { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Bytes a user may hold (complete plus the declared size of uploads in progress) unless an admin sets their own quota.</summary>
    [Range(typeof(long), "0", "9223372036854775807")] public long UserQuotaBytes { get; init; } = 50L * 1024 * 1024 * 1024;

    /// <summary>Chunk size the upload page asks Resumable.js to use.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long PageChunkSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>File extensions accepted, without the dot (for example <c>["jpg", "mp4"]</c>); empty accepts every file.</summary>
    public string[] AllowedExtensions { get; init; } = [];

    /// <summary>An upload that has received nothing for this long is expired and its chunks deleted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan ExpireAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How often the expiry sweep runs.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Allowance for multipart framing and form fields on top of the chunk bytes.</summary>
    public const long FramingAllowance = 64 * 1024;

    /// <summary>The largest request body the server must accept: a last chunk of almost twice the chunk size, plus framing.</summary>
    public long MaxRequestBodySize => 2 * MaxChunkSize + FramingAllowance;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinChunkSize > MaxChunkSize)
            yield return new ValidationResult("Upload:MinChunkSize must not exceed Upload:MaxChunkSize.", [nameof(MinChunkSize)]);
        if (PageChunkSize < MinChunkSize || PageChunkSize > MaxChunkSize)
            yield return new ValidationResult("Upload:PageChunkSize must lie between Upload:MinChunkSize and Upload:MaxChunkSize.", [nameof(PageChunkSize)]);
    }
}
