using System.Security.Cryptography;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// A file as Resumable.js 1.1.0 cuts it (the last chunk takes the remainder, so a file holds at least one chunk),
/// with each chunk's SHA-256 computed before the clock starts so that the client's hashing is not measured.
/// </summary>
public sealed class BenchFile
{
    private readonly Func<int, ReadOnlyMemory<byte>> _chunk;
    private readonly string[] _checksums;

    private BenchFile(long size, long chunkSize, string name, Func<BenchFile, int, ReadOnlyMemory<byte>> chunk)
    {
        Size = size;
        ChunkSize = chunkSize;
        Name = name;
        Identifier = NewIdentifier(size);
        ChunkCount = (int)Math.Max(size / chunkSize, 1);
        _chunk = number => chunk(this, number);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _checksums = new string[ChunkCount];
        for (var number = 1; number <= ChunkCount; number++)
        {
            var bytes = Chunk(number).Span;
            whole.AppendData(bytes);
            _checksums[number - 1] = "sha256=" + Convert.ToBase64String(SHA256.HashData(bytes));
        }
        Sha256 = Convert.ToHexStringLower(whole.GetHashAndReset());
    }

    private BenchFile(BenchFile same)
    {
        (Size, ChunkSize, Name, ChunkCount, _chunk, _checksums, Sha256) = (same.Size, same.ChunkSize, same.Name, same.ChunkCount, same._chunk, same._checksums, same.Sha256);
        Identifier = NewIdentifier(Size);
    }

    /// <summary>The same bytes under a new identifier: to the server a new file (one it has not completed), without hashing it again.</summary>
    public BenchFile Again() => new(this);

    private static string NewIdentifier(long size) => $"{size}-{Guid.NewGuid():N}";

    public long ChunkSize { get; }
    public string Name { get; }
    public string Identifier { get; }
    public int ChunkCount { get; }
    public string Sha256 { get; }
    public long Size { get; }

    public ReadOnlyMemory<byte> Chunk(int number) => _chunk(number);

    public long ChunkStart(int number) => (number - 1) * ChunkSize;

    public long ChunkLength(int number) => (number == ChunkCount ? Size : number * ChunkSize) - ChunkStart(number);

    public string Checksum(int number) => _checksums[number - 1];

    /// <summary>The parameters Resumable.js sends with chunk <paramref name="number"/>, in the query and as form fields.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters(int number) =>
    [
        new("resumableChunkNumber", number.ToString()),
        new("resumableChunkSize", ChunkSize.ToString()),
        new("resumableCurrentChunkSize", ChunkLength(number).ToString()),
        new("resumableTotalSize", Size.ToString()),
        new("resumableType", "application/octet-stream"),
        new("resumableIdentifier", Identifier),
        new("resumableFilename", Name),
        new("resumableRelativePath", Name),
        new("resumableTotalChunks", ChunkCount.ToString()),
    ];

    /// <summary>Writes the file's bytes to <paramref name="path"/> (for the page, which picks files from disk).</summary>
    public async Task WriteToAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        for (var number = 1; number <= ChunkCount; number++) await stream.WriteAsync(Chunk(number), cancellationToken);
    }

    /// <summary>Random bytes held in memory (incompressible, and no two files alike); up to 2 GiB.</summary>
    public static BenchFile Random(long size, long chunkSize, string name)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)size));
        RandomNumberGenerator.Fill(bytes);
        return new BenchFile(size, chunkSize, name, (file, number) => bytes.AsMemory((int)file.ChunkStart(number), (int)file.ChunkLength(number)));
    }

    /// <summary>
    /// A file of any size that is never held whole: each chunk is built when asked for from one random block of the chunk
    /// size, stamped with its number so that no two chunks are alike (no receiver here deduplicates or compresses).
    /// </summary>
    public static BenchFile Generated(long size, long chunkSize, string name)
    {
        var block = GC.AllocateUninitializedArray<byte>(checked((int)chunkSize * 2));
        RandomNumberGenerator.Fill(block);
        return new BenchFile(size, chunkSize, name, (file, number) =>
        {
            var chunk = GC.AllocateUninitializedArray<byte>(checked((int)file.ChunkLength(number)));
            for (var offset = 0; offset < chunk.Length; offset += block.Length)
                block.AsSpan(0, Math.Min(block.Length, chunk.Length - offset)).CopyTo(chunk.AsSpan(offset));
            BitConverter.TryWriteBytes(chunk, (long)number);
            return chunk;
        });
    }
}
