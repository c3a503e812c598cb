namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Wakes this instance's background work at once (a file was just completed) instead of at its next interval.</summary>
public sealed class UploadWorkSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
            try { _signal.Release(); } catch (SemaphoreFullException) { } // already signalled by another request
    }

    /// <summary>Waits for a signal or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
