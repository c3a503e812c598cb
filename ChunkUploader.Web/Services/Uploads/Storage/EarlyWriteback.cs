using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ChunkUploader.Web.Services.Uploads.Storage;

/// <summary>
/// Starts the disk write of a range just written, without waiting for it (Linux <c>sync_file_range</c>), so that the
/// flush at the end of a durable chunk finds most of the chunk already on its way and waits only for the rest.
/// </summary>
/// <remarks>
/// Only a head start: it makes nothing durable (no metadata, no device cache flush), so the chunk's own flush still
/// decides, and a failure here would be reported by that flush as well. Measured with <c>bench/disk/flush-pattern.c</c>
/// (mode 2 against mode 0, 1 MiB chunks arriving in pieces): 383–384 against 320–333 MiB/s, 421–423 without any flush.
/// </remarks>
internal static partial class EarlyWriteback
{
    private const uint Write = 2; // SYNC_FILE_RANGE_WRITE

    public static void Start(SafeFileHandle file, long offset, long count)
    {
        if (OperatingSystem.IsLinux()) _ = SyncFileRange(file, offset, count, Write);
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);
}
