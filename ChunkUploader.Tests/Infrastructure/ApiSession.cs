using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChunkUploader.Tests.Infrastructure;

public enum UploadMethod { Multipart, Octet }

/// <summary>A signed-in user's HTTP client that speaks the Resumable.js protocol, with knobs to break it.</summary>
public sealed class ApiSession(TestUser user, HttpClient client, string token) : IDisposable
{
    public const string TokenHeader = "RequestVerificationToken";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public TestUser User { get; } = user;
    public HttpClient Client { get; } = client;
    public string Token { get; } = token;

    /// <summary>The session's cookie jar, for a test that writes a request on a raw socket.</summary>
    public CookieContainer Cookies { get; init; } = new();

    public Task<HttpResponseMessage> ProbeAsync(TestFile file, int number, Action<Dictionary<string, string>>? tamper = null)
    {
        var parameters = file.Parameters(number);
        tamper?.Invoke(parameters);
        return Client.GetAsync("api/upload?" + Query(parameters));
    }

    /// <summary>Sends one chunk as Resumable.js would; <paramref name="tamper"/> edits the parameters, <paramref name="body"/> replaces the bytes.</summary>
    public Task<HttpResponseMessage> SendChunkAsync(
        TestFile file, int number, UploadMethod method = UploadMethod.Multipart,
        Action<Dictionary<string, string>>? tamper = null, byte[]? body = null, string? token = "", string? checksum = null, string? continues = null,
        CancellationToken cancellationToken = default)
    {
        var parameters = file.Parameters(number);
        tamper?.Invoke(parameters);
        var bytes = body ?? file.Chunk(number);
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + Query(parameters));
        if (method == UploadMethod.Octet)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }
        else
        {
            var form = new MultipartFormDataContent();
            foreach (var (key, value) in parameters) form.Add(new StringContent(value), key);
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", file.Name);
            request.Content = form;
        }
        var headerValue = token == "" ? Token : token;
        if (headerValue is not null) request.Headers.Add(TokenHeader, headerValue);
        if (checksum is not null) request.Headers.Add("X-Chunk-Checksum", checksum);
        if (continues is not null) request.Headers.Add("X-Upload-Continues", continues);
        return Client.SendAsync(request, cancellationToken);
    }

    /// <summary>Cancels the file's upload as the page's cancel button does.</summary>
    public async Task<HttpResponseMessage> CancelAsync(TestFile file)
    {
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, $"api/upload?resumableIdentifier={Uri.EscapeDataString(file.Identifier)}");
        cancel.Headers.Add(TokenHeader, Token);
        return await Client.SendAsync(cancel);
    }

    /// <summary>Statuses Resumable.js sends a chunk again after (they are not in its permanent errors).</summary>
    public static readonly HashSet<HttpStatusCode> Retried = [HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable, (HttpStatusCode)460];

    /// <summary>Sends every chunk (in <paramref name="order"/> if given), <paramref name="parallel"/> at a time, retrying as
    /// Resumable.js does (honouring Retry-After), and failing on any other non-200.</summary>
    public async Task<List<JsonElement>> UploadAsync(TestFile file, IEnumerable<int>? order = null, int parallel = 1, UploadMethod method = UploadMethod.Multipart)
    {
        var answers = new List<JsonElement>();
        await Parallel.ForEachAsync(order ?? file.Numbers, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (number, _) =>
        {
            var response = await SendChunkAsync(file, number, method);
            for (var retry = 0; Retried.Contains(response.StatusCode) && retry < 30; retry++)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200);
                response.Dispose();
                await Task.Delay(wait);
                response = await SendChunkAsync(file, number, method);
            }
            using var answered = response;
            var text = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, $"chunk {number}: {text}");
            var json = JsonDocument.Parse(text).RootElement.Clone();
            lock (answers) answers.Add(json);
        });
        return answers;
    }

    /// <summary>Sends chunk <paramref name="number"/>'s parameters with <paramref name="content"/> as the octet body (a held or damaged body).</summary>
    public Task<HttpResponseMessage> SendOctetAsync(TestFile file, int number, HttpContent content, string? checksum = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + Query(file.Parameters(number))) { Content = content };
        request.Headers.Add(TokenHeader, Token);
        if (checksum is not null) request.Headers.Add("X-Chunk-Checksum", checksum);
        return Client.SendAsync(request, cancellationToken);
    }

    public async Task<JsonElement> UploadsAsync(string query = "")
    {
        using var response = await Client.GetAsync("api/uploads" + query);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json);
    }

    public async Task<JsonElement> UploadAsync(Guid id)
    {
        using var response = await Client.GetAsync($"api/uploads/{id}");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json);
    }

    /// <summary>The upload's record once its SHA-256 is known (it is computed just after the final chunk's answer).</summary>
    public async Task<JsonElement> WaitForHashAsync(Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var record = await UploadAsync(id);
            if (record.GetProperty("sha256").ValueKind == JsonValueKind.String) return record;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Upload {id} got no SHA-256 within 60 s: {record}");
            await Task.Delay(50);
        }
    }

    public static string Query(Dictionary<string, string> parameters) =>
        string.Join("&", parameters.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));

    public void Dispose() => Client.Dispose();
}
