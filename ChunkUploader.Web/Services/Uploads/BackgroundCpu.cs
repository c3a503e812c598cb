using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// One dedicated thread at the lowest CPU priority (nice 19 on Linux) for background work that must yield to requests:
/// hashing a finished file takes a core for about 0.6 ms per MiB, and on a busy server receiving bytes comes first.
/// </summary>
/// <remarks>
/// An idle machine runs it at full speed; a saturated one still gives it a small share, so it is slowed, never stopped.
/// </remarks>
public sealed partial class BackgroundCpu : IDisposable
{
    private const int Lowest = 19;

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public BackgroundCpu(ILogger<BackgroundCpu> logger)
    {
        _thread = new Thread(() =>
        {
            if (OperatingSystem.IsLinux() && SetPriority(ProcessScope, GetThreadId(), Lowest) != 0)
                LogNotLowered(logger, Marshal.GetLastPInvokeError());
            foreach (var work in _work.GetConsumingEnumerable()) work();
        })
        { IsBackground = true, Name = "ChunkUploader background CPU" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the low-priority thread, after what was queued before it.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested) { done.TrySetCanceled(cancellationToken); return; }
            try { done.TrySetResult(work()); }
            catch (Exception failure) { done.TrySetException(failure); }
        }, CancellationToken.None);
        return done.Task;
    }

    public void Dispose() => _work.CompleteAdding();

    private const int ProcessScope = 0; // PRIO_PROCESS: on Linux, given a thread id, the priority of that thread alone

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The background CPU thread could not lower its priority (errno {Errno}); hashing competes with requests")]
    private static partial void LogNotLowered(ILogger logger, int errno);
}
