namespace ChunkUploader.Web.Data;

/// <summary>Column sizes, shared by the model and the request checks so that a value that passes a check always fits.</summary>
public static class UploadLimits
{
    public const int MaxIdentifierLength = 255;
    public const int MaxFileNameLength = 255;
    public const int MaxRelativePathLength = 1024;
    public const int MaxContentTypeLength = 255;
}
