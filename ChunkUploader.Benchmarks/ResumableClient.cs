using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChunkUploader.Benchmarks;

/// <summary>What one file's upload took: every chunk POST's latency, and the latency of the POST answered last.</summary>
public sealed record FileRun(Latencies Chunks, TimeSpan FinalChunk, Guid? UploadId);

/// <summary>
/// An HTTP client that speaks the Resumable.js protocol as the page does: for every chunk a testChunks GET, then
/// (unless the server holds it) a multipart POST with the antiforgery token and the chunk's checksum header;
/// chunks the server asks to be sent again (408, 429, 460, 503) are, after its Retry-After. A request whose connection
/// drops before an answer is treated as Resumable.js treats a network error: a probe means "send it", a chunk is sent
/// again; each is counted (<see cref="DroppedConnections"/>) for the row's note.
/// </summary>
public sealed partial class ResumableClient(HttpClient client, string token) : IDisposable
{
    private const int MaxAttempts = 20;
    private static readonly HashSet<HttpStatusCode> Retried = [HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable, (HttpStatusCode)460];

    private int _dropped;

    public HttpClient Http { get; } = client;

    /// <summary>Requests so far whose connection dropped before an answer.</summary>
    public int DroppedConnections => Volatile.Read(ref _dropped);

    /// <summary>A client of the bare receiver: nobody to sign in to.</summary>
    public static ResumableClient Anonymous(Uri baseAddress) => new(CreateHttpClient(baseAddress, new CookieContainer()), "");

    /// <summary>Registers <paramref name="email"/> through the Identity pages, signs in through the login page and reads the upload page's token.</summary>
    public static async Task<ResumableClient> RegisterAsync(Uri baseAddress, string email, string password, CancellationToken cancellationToken)
    {
        var http = CreateHttpClient(baseAddress, new CookieContainer());
        await PostFormAsync(http, "Identity/Account/Register", new()
        {
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        }, cancellationToken);
        await PostFormAsync(http, "Identity/Account/Login", new()
        {
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.RememberMe"] = "false",
        }, cancellationToken);
        var page = await http.GetStringAsync("", cancellationToken);
        var token = WebUtility.HtmlDecode(PageToken().Match(page).Groups[1].Value);
        if (token.Length == 0) throw new InvalidOperationException($"The upload page rendered no antiforgery token for {email}.");
        return new ResumableClient(http, token);
    }

    private static async Task PostFormAsync(HttpClient http, string path, Dictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var form = await http.GetStringAsync(path, cancellationToken);
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(FormToken().Match(form).Groups[1].Value);
        using var answer = await http.PostAsync(path, new FormUrlEncodedContent(fields), cancellationToken);
        // Identity answers a successful form post with a redirect; 200 means the page came back with its errors.
        if (answer.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"POST {path} answered {(int)answer.StatusCode}, not a redirect.");
    }

    private static HttpClient CreateHttpClient(Uri baseAddress, CookieContainer cookies) =>
        new(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };

    /// <summary>Uploads <paramref name="file"/> with <paramref name="parallel"/> chunks in flight, each a probe then a POST.</summary>
    public async Task<FileRun> UploadAsync(BenchFile file, int parallel, CancellationToken cancellationToken)
    {
        var latencies = new Latencies();
        var next = 0;
        var final = TimeSpan.Zero;
        Guid? uploadId = null;
        var finishedOrder = 0;
        var workers = Enumerable.Range(0, Math.Min(parallel, file.ChunkCount)).Select(async _ =>
        {
            for (var number = Interlocked.Increment(ref next); number <= file.ChunkCount; number = Interlocked.Increment(ref next))
            {
                if (await ProbeAsync(file, number, cancellationToken) == true) continue;
                var (elapsed, id) = await SendChunkAsync(file, number, cancellationToken);
                latencies.Add(elapsed);
                lock (latencies)
                {
                    uploadId ??= id;
                    if (++finishedOrder == file.ChunkCount) final = elapsed;
                }
            }
        });
        await Task.WhenAll(workers);
        return new FileRun(latencies, final, uploadId);
    }

    /// <summary>The testChunks GET: true when the server already holds chunk <paramref name="number"/>; null when the connection dropped.</summary>
    public async Task<bool?> ProbeAsync(BenchFile file, int number, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try { response = await Http.GetAsync("api/upload?" + Query(file.Parameters(number)), cancellationToken); }
        catch (HttpRequestException dropped) when (IsDropped(dropped)) { return null; }
        using var _ = response;
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NoContent => false,
            _ => throw new HttpRequestException($"Probe of chunk {number} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}"),
        };
    }

    private async Task<(TimeSpan Elapsed, Guid? UploadId)> SendChunkAsync(BenchFile file, int number, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            HttpResponseMessage response;
            string text;
            try
            {
                response = await Http.SendAsync(ChunkRequest(file, number), cancellationToken);
                text = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (HttpRequestException dropped) when (IsDropped(dropped) && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                continue;
            }
            using var _ = response;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode == HttpStatusCode.OK) return (elapsed, UploadIdOf(text));
            if (!Retried.Contains(response.StatusCode) || attempt == MaxAttempts)
                throw new HttpRequestException($"Chunk {number} of {file.Name} answered {(int)response.StatusCode}: {text}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private bool IsDropped(HttpRequestException exception)
    {
        if (exception.InnerException is not (IOException or System.Net.Sockets.SocketException)) return false;
        Interlocked.Increment(ref _dropped);
        return true;
    }

    private HttpRequestMessage ChunkRequest(BenchFile file, int number)
    {
        var parameters = file.Parameters(number);
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in parameters) form.Add(new StringContent(value), key);
        var part = new ReadOnlyMemoryContent(file.Chunk(number));
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", file.Name);
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + Query(parameters)) { Content = form };
        if (token.Length > 0) request.Headers.Add("RequestVerificationToken", token);
        request.Headers.Add("X-Chunk-Checksum", file.Checksum(number));
        return request;
    }

    private static Guid? UploadIdOf(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("uploadId", out var id) && id.TryGetGuid(out var guid) ? guid : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The SHA-256 the app recorded for upload <paramref name="id"/>, once it has computed it (null after <paramref name="wait"/>).</summary>
    public async Task<string?> WaitForSha256Async(Guid id, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var json = await Http.GetStringAsync($"api/uploads/{id}", cancellationToken);
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String) return sha.GetString();
            await Task.Delay(100, cancellationToken);
        }
        return null;
    }

    /// <summary>
    /// The ids of this user's complete uploads at <paramref name="relativePaths"/>, read through the history API 500 at a time.
    /// The API answers a page past the end with the last page, so the total count ends the paging; and it sorts by start
    /// time alone, so uploads started in the same instant can swap places between two pages: a path the pages missed is
    /// looked up by name.
    /// </summary>
    public async Task<Dictionary<string, Guid>> CompleteUploadIdsAsync(IReadOnlyCollection<string> relativePaths, CancellationToken cancellationToken)
    {
        const int pageSize = 500;
        var ids = new Dictionary<string, Guid>();
        for (var page = 1; ; page++)
        {
            var total = await ListCompleteAsync($"pageSize={pageSize}&page={page}", ids, cancellationToken);
            if (page * pageSize >= total) break;
        }
        foreach (var path in relativePaths.Where(path => !ids.ContainsKey(path)).ToList())
            await ListCompleteAsync("name=" + Uri.EscapeDataString(path), ids, cancellationToken);
        return ids;
    }

    private async Task<int> ListCompleteAsync(string query, Dictionary<string, Guid> ids, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync("api/uploads?status=Complete&" + query, cancellationToken));
        foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
            ids[item.GetProperty("relativePath").GetString()!] = item.GetProperty("id").GetGuid();
        return document.RootElement.GetProperty("totalCount").GetInt32();
    }

    private static string Query(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join("&", parameters.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("data-token=\"([^\"]+)\"")]
    private static partial Regex PageToken();
}
