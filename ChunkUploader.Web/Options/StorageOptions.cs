using System.ComponentModel.DataAnnotations;

namespace ChunkUploader.Web.Options;

/// <summary>Where chunks and finished files live. Bound from the <c>Storage</c> section.</summary>
public sealed record StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The storage root; a relative path is taken relative to the app's content root.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; init; } = "data";
}
