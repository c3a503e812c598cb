namespace ChunkUploader.Web.Services.Uploads;

/// <summary>How Resumable.js cuts a file into chunks.</summary>
/// <remarks>
/// By default the count is <c>max(floor(size / chunkSize), 1)</c> and the last chunk absorbs the remainder
/// (up to <c>2 * chunkSize - 1</c> bytes). With <c>forceChunkSize</c> the count is <c>max(ceil(size / chunkSize), 1)</c>
/// and only the last chunk may be shorter.
/// </remarks>
public readonly record struct ChunkLayout(long TotalSize, long ChunkSize, bool ForceChunkSize)
{
    public int ChunkCount => CountFor(TotalSize, ChunkSize, ForceChunkSize);

    public long OffsetOf(int chunkNumber) => (chunkNumber - 1) * ChunkSize;

    public long SizeOf(int chunkNumber) =>
        chunkNumber < ChunkCount ? ChunkSize : TotalSize - OffsetOf(chunkNumber);

    /// <summary>The layout whose chunk count is the client's; the default rule wins when both give the same chunks.</summary>
    public static ChunkLayout? FromClientCount(long totalSize, long chunkSize, long clientCount)
    {
        if (clientCount == CountFor(totalSize, chunkSize, forceChunkSize: false))
            return new ChunkLayout(totalSize, chunkSize, ForceChunkSize: false);
        if (clientCount == CountFor(totalSize, chunkSize, forceChunkSize: true))
            return new ChunkLayout(totalSize, chunkSize, ForceChunkSize: true);
        return null;
    }

    private static int CountFor(long totalSize, long chunkSize, bool forceChunkSize)
    {
        var whole = totalSize / chunkSize;
        var count = forceChunkSize && totalSize % chunkSize != 0 ? whole + 1 : whole;
        return (int)Math.Clamp(count, 1, int.MaxValue);
    }
}
