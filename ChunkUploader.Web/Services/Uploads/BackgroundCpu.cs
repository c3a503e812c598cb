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
            LowerThisThread(logger);
            foreach (var work in _work.GetConsumingEnumerable()) work();
        })
        { IsBackground = true, Name = "ChunkUploader background CPU" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the low-priority thread, after what was queued before it; a caller that
    /// gives up is answered at once, and its work skipped when its turn comes.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var giveUp = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
        var queued = _work.TryAdd(() =>
        {
            giveUp.Dispose();
            if (done.Task.IsCompleted) return;
            try { done.TrySetResult(work()); }
            catch (Exception failure) { done.TrySetException(failure); }
        });
        if (!queued) done.TrySetException(new ObjectDisposedException(nameof(BackgroundCpu), "The server is stopping."));
        return done.Task;
    }

    public void Dispose() => _work.CompleteAdding();

    private static void LowerThisThread(ILogger logger)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            // On Linux the nice value is the thread's own: "who" 0 is the calling thread, not the whole process.
            if (SetPriority(ProcessScope, 0, Lowest) != 0) LogNotLowered(logger, Marshal.GetLastPInvokeError().ToString());
        }
        catch (Exception missing) when (missing is DllNotFoundException or EntryPointNotFoundException)
        {
            LogNotLowered(logger, missing.Message);
        }
    }

    private const int ProcessScope = 0; // PRIO_PROCESS

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The background CPU thread could not lower its priority ({Reason}); hashing competes with requests")]
    private static partial void LogNotLowered(ILogger logger, string reason);
}
