using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads;

namespace ChunkUploader.Web.Presentation;

/// <summary>The upload page: the limits the page enforces and what the person already holds against their quota.</summary>
public sealed record UploadPageModel(UploadOptions Limits, UserUsage Usage);
