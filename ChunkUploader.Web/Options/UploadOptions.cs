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

    /// <summary>Bytes a user may hold (complete plus the declared size of uploads in progress) unless an admin sets their own quota.</summary>
    [Range(typeof(long), "0", "9223372036854775807")]
    public long UserQuotaBytes { get; init; } = 50L * 1024 * 1024 * 1024;

    /// <summary>Uploads one user may have in progress at once.</summary>
    [Range(1, 100_000)]
    public int MaxUploadsInProgress { get; init; } = 20;

    /// <summary>Most chunks one file may be cut into; bounds the bookkeeping per file.</summary>
    [Range(1, 10_000_000)]
    public int MaxChunksPerFile { get; init; } = 20_000;

    /// <summary>Content types accepted (for example <c>["image/*", "application/pdf"]</c>), checked against the extension and,
    /// after assembly, against the file's leading bytes; empty accepts every type.</summary>
    public string[] AllowedTypes { get; init; } = [];

    /// <summary>How long a claim on a chunk or on an upload's background work lasts unless its holder renews it;
    /// work left by a dead writer or instance is taken over once it runs out.</summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:10:00")]
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an instance looks for assemblies and hashes whose claim ran out.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Chunk directories and finished files younger than this are never treated as orphans.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan OrphanGrace { get; init; } = TimeSpan.FromMinutes(1);

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
        // Either mistake would otherwise be accepted and then refuse every upload.
        if (AllowedExtensions.FirstOrDefault(e => string.IsNullOrWhiteSpace(e) || e.StartsWith('.') || e.Contains('/')) is { } extension)
            yield return new ValidationResult($"Upload:AllowedExtensions '{extension}' must be an extension without its dot, such as 'jpg'.", [nameof(AllowedExtensions)]);
        if (AllowedTypes.FirstOrDefault(t => t.Split('/') is not [{ Length: > 0 }, { Length: > 0 }] || t.Any(char.IsWhiteSpace)) is { } type)
            yield return new ValidationResult($"Upload:AllowedTypes '{type}' must be a media type such as 'image/png', or a family such as 'image/*'.", [nameof(AllowedTypes)]);
    }
}
