using System.Net;
using System.Text.Json;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// Sends chunks the way Resumable.js 1.1.0 does with the page's settings: an answer in its <c>permanentErrors</c> fails
/// the file at once; anything else (a network error, 502 from nginx while an instance is down, 503, 408…) is retried
/// after a pause that doubles, up to 10 times.
/// </summary>
public static class RetryingSender
{
    private static readonly HashSet<HttpStatusCode> PermanentErrors =
    [
        HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.Conflict,
        HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.InternalServerError, HttpStatusCode.NotImplemented,
    ];

    /// <summary>The 200 answer's JSON for chunk <paramref name="number"/>, after as many retries as it took.</summary>
    public static async Task<JsonElement> SendAsync(ApiSession session, TestFile file, int number)
    {
        var pause = TimeSpan.FromMilliseconds(100);
        var failures = new List<string>();
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            try
            {
                using var response = await session.SendChunkAsync(file, number);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(text).RootElement.Clone();
                if (PermanentErrors.Contains(response.StatusCode))
                    Assert.Fail($"Chunk {number} of {file.Name} was refused with {(int)response.StatusCode}: {text}");
                failures.Add($"{(int)response.StatusCode} {text}");
                if (response.Headers.RetryAfter?.Delta is { } retryAfter && retryAfter > pause) pause = retryAfter;
            }
            catch (HttpRequestException exception)
            {
                failures.Add(exception.Message);
            }
            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
        Assert.Fail($"Chunk {number} of {file.Name} failed 10 times: {string.Join(" | ", failures)}");
        return default;
    }
}
