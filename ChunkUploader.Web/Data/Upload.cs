namespace ChunkUploader.Web.Data;

/// <summary>One file a user sends with Resumable.js, from its first chunk on.</summary>
public sealed class Upload
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }

    /// <summary>The client's <c>resumableIdentifier</c>: a lookup key only, never a path.</summary>
    public required string Identifier { get; set; }
    public required string FileName { get; set; }
    public required string RelativePath { get; set; }
    public string ContentType { get; set; } = "";

    public long TotalSize { get; set; }
    public long ChunkSize { get; set; }
    public int TotalChunks { get; set; }
    /// <summary>Whether the client uses <c>forceChunkSize</c> (all chunks but the last are exactly the chunk size).</summary>
    public bool ForceChunkSize { get; set; }

    public int ChunksReceived { get; set; }
    public long BytesReceived { get; set; }

    public UploadStatus Status { get; set; }
    public string? FailureReason { get; set; }

    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>Seconds from the first chunk to completion; stored so that the history can sort and filter on it in SQL.</summary>
    public double? DurationSeconds { get; set; }
    /// <summary>Average bytes per second from the first chunk to completion.</summary>
    public double? BytesPerSecond { get; set; }

    /// <summary>Lower-case hex SHA-256 of the finished file, once computed.</summary>
    public string? Sha256 { get; set; }

    /// <summary>Until when the instance named in <see cref="LeaseOwner"/> holds the background work on this upload
    /// (finishing its assembly, hashing it); after that any instance may take the work over.</summary>
    public DateTime? LeaseUntil { get; set; }
    public string? LeaseOwner { get; set; }

    public DateTime? DeletedAt { get; set; }
    public string? DeletedBy { get; set; }

    public List<UploadChunk> Chunks { get; set; } = [];
}
