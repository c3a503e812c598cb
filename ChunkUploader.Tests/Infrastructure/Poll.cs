namespace ChunkUploader.Tests.Infrastructure;

/// <summary>Waiting for state another thread or process brings about, instead of sleeping a fixed time and hoping.</summary>
public static class Poll
{
    /// <summary>Waits, polling, until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>, naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {seconds} s waiting until {what}.");
            await Task.Delay(50);
        }
    }
}
