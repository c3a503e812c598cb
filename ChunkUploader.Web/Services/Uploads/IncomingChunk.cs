namespace ChunkUploader.Web.Services.Uploads;

/// <summary>A parsed upload request and the stream positioned at its chunk bytes.</summary>
public sealed record IncomingChunk(ChunkRequest Request, Stream Body);
