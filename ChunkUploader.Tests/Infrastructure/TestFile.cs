using System.Security.Cryptography;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>A file as Resumable.js 1.1.0 would cut it, with its chunk arithmetic written independently of the server's.</summary>
public sealed record TestFile(byte[] Bytes, string Name, long ChunkSize, bool ForceChunkSize = false, string RelativePath = "", string Type = "application/octet-stream")
{
    public string Identifier { get; init; } = $"{Bytes.LongLength}-{Guid.NewGuid():N}";

    public long Size => Bytes.LongLength;

    public int ChunkCount => (int)Math.Max(ForceChunkSize ? (long)Math.Ceiling((double)Size / ChunkSize) : Size / ChunkSize, 1);

    /// <summary>Byte range of chunk <paramref name="number"/> (1-based), as resumable.js computes startByte/endByte.</summary>
    public (long Start, long End) Range(int number)
    {
        var start = (number - 1) * ChunkSize;
        var end = Math.Min(Size, number * ChunkSize);
        if (Size - end < ChunkSize && !ForceChunkSize) end = Size;
        return (start, end);
    }

    public byte[] Chunk(int number)
    {
        var (start, end) = Range(number);
        return Bytes[(int)start..(int)end];
    }

    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes));

    /// <summary>The <c>X-Chunk-Checksum</c> value the page sends with chunk <paramref name="number"/>.</summary>
    public string ChunkChecksum(int number) => "sha256=" + Convert.ToBase64String(SHA256.HashData(Chunk(number)));

    public IEnumerable<int> Numbers => Enumerable.Range(1, ChunkCount);

    /// <summary>Random content that no two calls share, so that a mix-up between files cannot go unnoticed.</summary>
    public static TestFile Random(long size, long chunkSize, string name = "file.bin", bool forceChunkSize = false) =>
        new(RandomNumberGenerator.GetBytes(checked((int)size)), name, chunkSize, forceChunkSize);

    /// <summary>The query/form parameters Resumable.js sends for chunk <paramref name="number"/>.</summary>
    public Dictionary<string, string> Parameters(int number)
    {
        var (start, end) = Range(number);
        return new Dictionary<string, string>
        {
            ["resumableChunkNumber"] = number.ToString(),
            ["resumableChunkSize"] = ChunkSize.ToString(),
            ["resumableCurrentChunkSize"] = (end - start).ToString(),
            ["resumableTotalSize"] = Size.ToString(),
            ["resumableType"] = Type,
            ["resumableIdentifier"] = Identifier,
            ["resumableFilename"] = Name,
            ["resumableRelativePath"] = RelativePath == "" ? Name : RelativePath,
            ["resumableTotalChunks"] = ChunkCount.ToString(),
        };
    }
}
