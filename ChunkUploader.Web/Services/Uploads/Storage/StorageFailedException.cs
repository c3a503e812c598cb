namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// The storage volume failed a write, a flush, a create or a rename (an I/O error, or permissions the app lacks): the
/// server's trouble, never the request's, so it is never answered as a malformed body.
/// </summary>
public sealed class StorageFailedException(Exception failure) : Exception($"The storage volume failed: {failure.Message}", failure)
{
    // ENOSPC and EDQUOT as .NET reports them on Unix (the errno), and ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
    private static readonly int[] FullVolume = [28, 122, unchecked((int)0x80070070), unchecked((int)0x80070027)];

    /// <summary>The volume, or its quota for this process, has no room left.</summary>
    public bool Full { get; } = FullVolume.Contains(failure.HResult);
}
