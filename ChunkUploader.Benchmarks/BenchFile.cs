using System.Security.Cryptography;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// A file as Resumable.js 1.1.0 cuts it (the last chunk takes the remainder, so a file holds at least one chunk),
/// with each chunk's SHA-256 computed before the clock starts so that the client's hashing is not measured.
/// </summary>
public sealed class BenchFile
{
    private readonly string[] _checksums;

    public BenchFile(ReadOnlyMemory<byte> bytes, long chunkSize, string name)
    {
        Bytes = bytes;
        ChunkSize = chunkSize;
        Name = name;
        Identifier = NewIdentifier(bytes.Length);
        ChunkCount = (int)Math.Max(bytes.Length / chunkSize, 1);
        _checksums = Enumerable.Range(1, ChunkCount).Select(n => "sha256=" + Convert.ToBase64String(SHA256.HashData(Chunk(n).Span))).ToArray();
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
    }

    private BenchFile(BenchFile same)
    {
        (Bytes, ChunkSize, Name, ChunkCount, _checksums, Sha256) = (same.Bytes, same.ChunkSize, same.Name, same.ChunkCount, same._checksums, same.Sha256);
        Identifier = NewIdentifier(Bytes.Length);
    }

    /// <summary>The same bytes under a new identifier: to the server a new file (one it has not completed), without hashing it again.</summary>
    public BenchFile Again() => new(this);

    private static string NewIdentifier(int size) => $"{size}-{Guid.NewGuid():N}";

    public ReadOnlyMemory<byte> Bytes { get; }
    public long ChunkSize { get; }
    public string Name { get; }
    public string Identifier { get; }
    public int ChunkCount { get; }
    public string Sha256 { get; }
    public long Size => Bytes.Length;

    public ReadOnlyMemory<byte> Chunk(int number)
    {
        var start = (number - 1) * ChunkSize;
        var end = number == ChunkCount ? Size : number * ChunkSize;
        return Bytes[(int)start..(int)end];
    }

    public string Checksum(int number) => _checksums[number - 1];

    /// <summary>The parameters Resumable.js sends with chunk <paramref name="number"/>, in the query and as form fields.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters(int number) =>
    [
        new("resumableChunkNumber", number.ToString()),
        new("resumableChunkSize", ChunkSize.ToString()),
        new("resumableCurrentChunkSize", Chunk(number).Length.ToString()),
        new("resumableTotalSize", Size.ToString()),
        new("resumableType", "application/octet-stream"),
        new("resumableIdentifier", Identifier),
        new("resumableFilename", Name),
        new("resumableRelativePath", Name),
        new("resumableTotalChunks", ChunkCount.ToString()),
    ];

    /// <summary>Random bytes (incompressible, and no two files alike).</summary>
    public static BenchFile Random(long size, long chunkSize, string name)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)size));
        RandomNumberGenerator.Fill(bytes);
        return new BenchFile(bytes, chunkSize, name);
    }
}
