namespace ChunkUploader.Web.Presentation;

/// <summary>What the anonymous landing needs: whether to offer Register, and the per-file limit to state.</summary>
public sealed record LandingModel(bool RegistrationOpen, long MaxFileSize);
