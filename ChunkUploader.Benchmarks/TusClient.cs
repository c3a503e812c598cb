using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// A tus 1.0 client as tus-js-client sends a file: a creation POST, then one PATCH per chunk at the offset the server
/// acknowledged, one after another (core tus has no chunks in flight side by side).
/// </summary>
public sealed class TusClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Uploads <paramref name="file"/> in its chunk size: every PATCH's latency, the last one's, and where the upload lives.</summary>
    public async Task<(FileRun Run, Uri Location)> UploadAsync(BenchFile file, CancellationToken cancellationToken)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "files");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", file.Size.ToString());
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(file.Name)));
        using var created = await _http.SendAsync(create, cancellationToken);
        if (created.StatusCode != HttpStatusCode.Created || created.Headers.Location is not { } location)
            throw new HttpRequestException($"tus creation answered {(int)created.StatusCode}.");
        location = location.IsAbsoluteUri ? location : new Uri(_http.BaseAddress!, location);

        var latencies = new Latencies();
        var final = TimeSpan.Zero;
        for (var number = 1; number <= file.ChunkCount; number++)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ReadOnlyMemoryContent(file.Chunk(number)) };
            patch.Headers.Add("Tus-Resumable", "1.0.0");
            patch.Headers.Add("Upload-Offset", file.ChunkStart(number).ToString());
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            var started = Stopwatch.GetTimestamp();
            using var answer = await _http.SendAsync(patch, cancellationToken);
            final = Stopwatch.GetElapsedTime(started);
            if (answer.StatusCode != HttpStatusCode.NoContent)
                throw new HttpRequestException($"tus PATCH of chunk {number} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(cancellationToken)}");
            latencies.Add(final);
        }
        return (new FileRun(latencies, final, null), location);
    }

    public void Dispose() => _http.Dispose();
}
