using System.Diagnostics;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// A tmpfs of a few MiB mounted at a fresh folder, for a storage volume that fills up; unmounted and removed on dispose.
/// Mounting needs root: the one part of this suite that does.
/// </summary>
public sealed class SmallVolume : IAsyncDisposable
{
    private SmallVolume(string path) => Path = path;

    public string Path { get; }

    public static async Task<SmallVolume> MountAsync(string path, int mebibytes)
    {
        Directory.CreateDirectory(path);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m", "tmpfs", path);
        return new SmallVolume(path);
    }

    /// <summary>Makes room: the volume grows to <paramref name="mebibytes"/>, keeping what it holds.</summary>
    public Task GrowAsync(int mebibytes) => RunAsync("mount", "-o", $"remount,size={mebibytes}m", Path);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", Path);
        Directory.Delete(Path);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' failed ({process.ExitCode}): {error.Trim()}. This test needs root, to mount a small tmpfs.");
    }
}
