using System.ComponentModel.DataAnnotations;

namespace ChunkUploader.Web.Options;

/// <summary>Where chunks and finished files live. Bound from the <c>Storage</c> section.</summary>
public sealed record StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The storage root; a relative path is taken relative to the app's content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; init; } = "data";

    /// <summary>Flush every chunk to stable storage before it is acknowledged, and make renames durable.
    /// Off trades a power cut's safety for speed: acknowledged chunks may then be lost or zeroed.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>New uploads are refused (507) when they would leave less than this free on the storage volume.</summary>
    [Range(typeof(long), "0", "9223372036854775807")]
    public long MinFreeBytes { get; init; } = 1024L * 1024 * 1024;
}
