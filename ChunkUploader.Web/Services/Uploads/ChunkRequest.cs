namespace ChunkUploader.Web.Services.Uploads;

/// <summary>The Resumable.js parameters of one test or upload request, parsed and checked once at the edge.</summary>
public sealed record ChunkRequest(
    int ChunkNumber,
    ChunkLayout Layout,
    string Identifier,
    string FileName,
    string RelativePath,
    string ContentType)
{
    public long Offset => Layout.OffsetOf(ChunkNumber);

    /// <summary>The exact number of bytes this chunk must carry.</summary>
    public long Length => Layout.SizeOf(ChunkNumber);
}
