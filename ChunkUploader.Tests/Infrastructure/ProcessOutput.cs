using System.Collections.Concurrent;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>What a child process wrote, line by line, kept for assertions and for failure messages.</summary>
public sealed class ProcessOutput
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is not null) _lines.Enqueue(line);
    }

    public IReadOnlyList<string> Lines => [.. _lines];

    public override string ToString() => string.Join("\n", _lines);
}
