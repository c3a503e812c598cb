using System.Net;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Abuse;

/// <summary>What the app holds at one moment: upload rows, chunk rows, stored files and logged errors.</summary>
public sealed record Footprint(int Uploads, int Chunks, int ErrorsLogged, IReadOnlyList<string> Files)
{
    public override string ToString() => $"{Uploads} uploads, {Chunks} chunks, {ErrorsLogged} errors, files: {string.Join(", ", Files)}";
}

/// <summary>
/// Shared setup of the abuse suite: every hostile request is sent between two footprints of the shared app and
/// must leave the second equal to the first (tests run one at a time, so any difference is the request's doing).
/// </summary>
public static class AbuseFixture
{
    public static AppFixture App => AppFixture.Shared;

    public static async Task<Footprint> FootprintAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var files = Directory.Exists(App.StorageRoot)
            ? Directory.EnumerateFiles(App.StorageRoot, "*", SearchOption.AllDirectories)
                .Where(path => !Path.GetFileName(path).StartsWith("app.db", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList()
            : [];
        return new Footprint(await db.Uploads.CountAsync(), await db.UploadChunks.CountAsync(), App.ServerErrors.Errors.Count, files);
    }

    /// <summary>The answer has <paramref name="status"/> and a body naming the problem; nothing was stored and no error logged since <paramref name="before"/>.</summary>
    public static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string message, Footprint before)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(status, response.StatusCode, body);
        Assert.IsTrue(body.Contains(message, StringComparison.OrdinalIgnoreCase), $"the answer names the problem ('{message}'): {body}");
        await AssertUnchangedAsync(before);
    }

    /// <param name="settle">How long the server may take to finish a request the client gave up on (it notices a closed connection later).</param>
    public static async Task AssertUnchangedAsync(Footprint before, TimeSpan settle = default)
    {
        var deadline = DateTime.UtcNow + settle;
        var after = await FootprintAsync();
        while (after.ToString() != before.ToString() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            after = await FootprintAsync();
        }
        Assert.AreEqual(before.ToString(), after.ToString(), "nothing new in the database or on disk, and no error logged");
    }

    /// <summary>A request with the session's antiforgery header, as the page sends it.</summary>
    public static HttpRequestMessage WithToken(this HttpRequestMessage request, ApiSession session)
    {
        request.Headers.Add(ApiSession.TokenHeader, session.Token);
        return request;
    }

    /// <summary>A signed-in session whose cookies the test can read, to copy them or to send them over a raw socket.</summary>
    public static async Task<(ApiSession Session, CookieContainer Jar)> SessionWithCookiesAsync()
    {
        var jar = new CookieContainer();
        return (await AppFixture.SignInAsync(ClientWith(jar), await App.CreateUserAsync()), jar);
    }

    public static HttpClient ClientWith(CookieContainer jar) =>
        new(new HttpClientHandler { CookieContainer = jar, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = App.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>The login form's post: <paramref name="email"/>, <paramref name="password"/> and the form's antiforgery token.</summary>
    public static FormUrlEncodedContent LoginForm(string email, string password, string token) => new(new Dictionary<string, string>
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["__RequestVerificationToken"] = token,
    });

    /// <summary>A finished one-chunk upload of <paramref name="session"/>'s user, for the routes that take an id.</summary>
    public static async Task<(Guid Id, TestFile File)> CompletedUploadAsync(ApiSession session, string name = "mine.bin")
    {
        var file = TestFile.Random(1000, 1024, name);
        var answers = await session.UploadAsync(file);
        return (Guid.Parse(answers.Single().GetProperty("uploadId").GetString()!), file);
    }
}
