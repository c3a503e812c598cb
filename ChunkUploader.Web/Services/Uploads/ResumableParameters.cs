namespace ChunkUploader.Web.Services.Uploads;

/// <summary>The parameter names Resumable.js 1.1.0 sends with every test and upload request.</summary>
public static class ResumableParameters
{
    public const string ChunkNumber = "resumableChunkNumber";
    public const string ChunkSize = "resumableChunkSize";
    public const string CurrentChunkSize = "resumableCurrentChunkSize";
    public const string TotalSize = "resumableTotalSize";
    public const string Type = "resumableType";
    public const string Identifier = "resumableIdentifier";
    public const string FileName = "resumableFilename";
    public const string RelativePath = "resumableRelativePath";
    public const string TotalChunks = "resumableTotalChunks";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        ChunkNumber, ChunkSize, CurrentChunkSize, TotalSize, Type, Identifier, FileName, RelativePath, TotalChunks,
    };
}
