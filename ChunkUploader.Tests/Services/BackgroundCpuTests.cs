using ChunkUploader.Web.Services.Uploads;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class BackgroundCpuTests
{
    [TestMethod]
    public async Task Work_runs_on_a_thread_at_the_lowest_priority()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("Thread priorities are lowered on Linux only.");
        var callerBefore = NiceOfThisThread();
        using var background = new BackgroundCpu(NullLogger<BackgroundCpu>.Instance);

        var nice = await background.RunAsync(NiceOfThisThread, CancellationToken.None);

        Assert.AreEqual(19, nice);
        Assert.AreEqual(callerBefore, NiceOfThisThread(), "only that thread is lowered, not the process");
    }

    [TestMethod]
    public async Task A_failure_in_the_work_reaches_the_caller()
    {
        using var background = new BackgroundCpu(NullLogger<BackgroundCpu>.Instance);

        await Assert.ThrowsExactlyAsync<IOException>(() => background.RunAsync<int>(() => throw new IOException("unreadable"), CancellationToken.None));
        Assert.AreEqual(42, await background.RunAsync(() => 42, CancellationToken.None), "the thread goes on after a failure");
    }

    [TestMethod]
    public async Task Work_whose_caller_gave_up_before_its_turn_does_not_run()
    {
        using var background = new BackgroundCpu(NullLogger<BackgroundCpu>.Instance);
        using var release = new ManualResetEventSlim();
        var blocking = background.RunAsync(() => release.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var ran = false;
        var queued = background.RunAsync(() => ran = true, giveUp.Token);

        giveUp.Cancel();
        release.Set();

        await blocking;
        await Assert.ThrowsAsync<OperationCanceledException>(() => queued);
        Assert.IsFalse(ran);
    }

    /// <summary>Field 19 of the thread's stat; the name in field 2 may hold spaces, so fields are counted from its ')'.</summary>
    private static int NiceOfThisThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
    }
}
