using System.Net;
using System.Text.RegularExpressions;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// The app on a real Kestrel bound to 127.0.0.1, with its own storage root in a temp folder and its own database: a
/// SQLite file there, or a fresh PostgreSQL database when <see cref="TestDatabase.EnvironmentVariable"/> says so.
/// One instance serves the whole test run; each test makes its own users, so tests never share uploads.
/// </summary>
public sealed partial class AppFixture : WebApplicationFactory<Program>
{
    public const long MinChunkSize = 1024;
    public const long MaxChunkSize = 1024 * 1024;
    public const long MaxFileSize = 512L * 1024 * 1024;

    private static AppFixture? _shared;
    private static int _userCounter;

    public static AppFixture Shared => _shared ?? throw new InvalidOperationException("The app fixture is not started.");

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "chunkuploader-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public string StorageRoot => Path.Combine(WorkDirectory, "storage");

    /// <summary>Where tests put the files a browser picks: beside the app's folder, so they never count as written by the server.</summary>
    public string ClientFilesDirectory => WorkDirectory + "-client";
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How long a chunk's claim lasts without renewal here: short, so that takeovers happen within a test.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(3);

    /// <summary>The database the app runs on.</summary>
    public TestDatabase Database { get; private set; } = null!;

    /// <summary>Errors the app logged; the run fails at the end if there are any.</summary>
    public ServerErrorLog ServerErrors { get; } = new();

    private readonly IReadOnlyDictionary<string, string> _settings;

    private AppFixture(IReadOnlyDictionary<string, string>? settings = null) => _settings = settings ?? new Dictionary<string, string>();

    public static void Start() => _shared = StartOnKestrel(new AppFixture());

    /// <summary>A second app with its own storage and database and some settings changed, for the tests of those settings; dispose it after.</summary>
    public static AppFixture StartSeparate(IReadOnlyDictionary<string, string> settings) => StartOnKestrel(new AppFixture(settings));

    private static AppFixture StartOnKestrel(AppFixture fixture)
    {
        fixture.Database = TestDatabase.ForStorageRootAsync(fixture.StorageRoot).GetAwaiter().GetResult();
        fixture.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        fixture.StartServer();
        var address = fixture.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fixture.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return fixture;
    }

    public static async Task StopAsync()
    {
        if (_shared is null) return;
        await _shared.StopAndCleanAsync();
        _shared = null;
    }

    /// <summary>Stops the app and removes its storage, database and client files.</summary>
    public async Task StopAndCleanAsync()
    {
        await DisposeAsync();
        foreach (var path in new[] { WorkDirectory, ClientFilesDirectory })
            try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); } catch (IOException) { }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(WorkDirectory);
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Root", StorageRoot);
        builder.UseSetting("Database:Provider", Database.Provider);
        builder.UseSetting("ConnectionStrings:Default", Database.ConnectionString);
        builder.UseSetting("Upload:MinChunkSize", MinChunkSize.ToString());
        builder.UseSetting("Upload:MaxChunkSize", MaxChunkSize.ToString());
        builder.UseSetting("Upload:PageChunkSize", (256 * 1024).ToString());
        builder.UseSetting("Upload:MaxFileSize", MaxFileSize.ToString());
        // Short leases, so that tests of a writer that stalls or dies need not wait long for the takeover.
        builder.UseSetting("Upload:ClaimLease", ClaimLease.ToString());
        builder.UseSetting("Upload:RecoveryInterval", "00:00:00.500");
        // Plain HTTP on loopback, and every test signs in from 127.0.0.1: the production transport and the sign-in
        // rate limit are proven by the abuse suite's own hosts (Abuse/ProductionHost.cs), not imposed on every test.
        builder.UseSetting("Https:Required", "false");
        builder.UseSetting("RateLimits:AccountAttempts", "100000");
        builder.UseSetting("RateLimits:UploadRequestsPerSecond", "100000");
        builder.UseSetting("RateLimits:UploadBurst", "100000");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(ServerErrors));
    }

    /// <summary>A new account with a unique email (or the one given); an admin when asked.</summary>
    public Task<TestUser> CreateUserAsync(bool admin = false, string? email = null) => CreateUserAsync(Services, admin, email);

    /// <summary>A new account in the app whose services are <paramref name="services"/>, which may be another host.</summary>
    public static async Task<TestUser> CreateUserAsync(IServiceProvider services, bool admin = false, string? email = null)
    {
        email ??= $"user{Interlocked.Increment(ref _userCounter)}-{Guid.NewGuid().ToString("N")[..6]}@test.local";
        const string password = "Test-Pass-1234!";
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) throw new InvalidOperationException(string.Join(" ", created.Errors.Select(e => e.Description)));
        if (admin) await users.AddToRoleAsync(user, Roles.Admin);
        return new TestUser(user.Id, email, password);
    }

    /// <summary>An HTTP client with its own cookie jar, not signed in.</summary>
    public HttpClient CreateAnonymousClient() => CreateAnonymousClient(BaseAddress);

    /// <summary>A client of <paramref name="baseAddress"/>; given <paramref name="cookies"/>, it shares that cookie jar.</summary>
    public static HttpClient CreateAnonymousClient(Uri baseAddress, CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>Signs in through the Identity login page and reads the antiforgery token the upload page renders.</summary>
    public Task<ApiSession> SignInAsync(TestUser user) => SignInAsync(BaseAddress, user);

    /// <summary>Signs in to the app at <paramref name="baseAddress"/>, which may be another process.</summary>
    /// <param name="cookies">The cookie jar to sign in with, when the caller wants to present the same cookie elsewhere.</param>
    public static Task<ApiSession> SignInAsync(Uri baseAddress, TestUser user, CookieContainer? cookies = null)
    {
        cookies ??= new CookieContainer();
        return SignInAsync(CreateAnonymousClient(baseAddress, cookies), user, cookies);
    }

    /// <summary>Signs in with <paramref name="client"/> (which must keep cookies and not follow redirects).</summary>
    public static async Task<ApiSession> SignInAsync(HttpClient client, TestUser user, CookieContainer? cookies = null)
    {
        var loginPage = await client.GetStringAsync("Identity/Account/Login");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
            ["Input.RememberMe"] = "false",
            ["__RequestVerificationToken"] = FormToken(loginPage),
        });
        var login = await client.PostAsync("Identity/Account/Login", form);
        if (login.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Login of {user.Email} answered {(int)login.StatusCode}.");

        var page = await client.GetStringAsync("");
        var token = WebUtility.HtmlDecode(PageToken().Match(page).Groups[1].Value);
        if (string.IsNullOrEmpty(token)) throw new InvalidOperationException("The upload page rendered no antiforgery token.");
        return new ApiSession(user, client, token) { Cookies = cookies ?? new CookieContainer() };
    }

    public async Task<ApiSession> NewSessionAsync(bool admin = false) => await SignInAsync(await CreateUserAsync(admin));

    /// <summary>Waits until a request holds the claim on chunk <paramref name="number"/> of one of the user's uploads and is still writing it (fails after 30 s).</summary>
    public Task WaitForClaimAsync(string userId, int number) => Poll.UntilAsync(async () =>
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.UploadChunks.AnyAsync(c => c.Number == number && c.RecordedAt == null && db.Uploads.Any(u => u.Id == c.UploadId && u.UserId == userId));
    }, $"a request claims chunk {number}", seconds: 30);

    /// <summary>Puts an upload in <paramref name="status"/>; with <paramref name="leaseUntil"/>, as held by another instance until then.</summary>
    public async Task SetStatusAsync(Guid uploadId, UploadStatus status, DateTime? leaseUntil = null)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == uploadId).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.Status, status).SetProperty(u => u.LeaseUntil, leaseUntil).SetProperty(u => u.LeaseOwner, leaseUntil == null ? null : "another-instance"));
    }

    /// <summary>Makes an upload look idle for two days, past the default expiry.</summary>
    public async Task MakeIdleAsync(Guid uploadId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.Where(u => u.Id == uploadId)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.UpdatedAt, DateTime.UtcNow.AddDays(-2)));
    }

    /// <summary>Runs the expiry and orphan sweep once, as its worker does.</summary>
    public async Task SweepAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        await UploadSweepWorker.SweepOnceAsync(scope.ServiceProvider.GetRequiredService<IServiceScopeFactory>(), scope.ServiceProvider.GetRequiredService<UploadMetrics>(), CancellationToken.None);
    }

    /// <summary>Where the storage layout the README documents puts a user's chunks (or one upload's, given its id).</summary>
    public string ChunkDirectory(string userId, Guid? uploadId = null) =>
        uploadId is { } id ? Path.Combine(UploadsRoot, "chunks", userId.ToLowerInvariant(), id.ToString("N")) : Path.Combine(UploadsRoot, "chunks", userId.ToLowerInvariant());

    /// <summary>Where the storage layout the README documents puts a finished file.</summary>
    public string StoredFile(string userId, Guid uploadId) => Path.Combine(UploadsRoot, "files", userId.ToLowerInvariant(), uploadId.ToString("N"));

    /// <summary>Where the app keeps uploads: the storage root, unless the fixture's settings moved it (the database stays in the storage root).</summary>
    private string UploadsRoot => _settings.GetValueOrDefault("Storage:Root") ?? StorageRoot;

    /// <summary>
    /// The completed-file invariant for one user: no two live or complete records of one file, every complete upload's
    /// stored bytes hash to its recorded SHA-256 (once it has one), and no stored file without a complete record.
    /// </summary>
    public async Task AssertOneRecordPerFileAsync(string userId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var held = await db.Uploads.AsNoTracking()
            .Where(u => u.UserId == userId && (u.Status == UploadStatus.Complete || u.Status == UploadStatus.Receiving || u.Status == UploadStatus.Assembling))
            .ToListAsync();
        var repeated = held.GroupBy(u => (u.Identifier, u.TotalSize, u.ChunkSize)).Where(g => g.Count() > 1).Select(g => g.Key.Identifier).ToList();
        Assert.IsEmpty(repeated, $"one record per file; repeated: {string.Join(", ", repeated)}");
        foreach (var upload in held.Where(u => u.Status == UploadStatus.Complete && u.Sha256 is not null))
        {
            await using var stored = File.OpenRead(StoredFile(userId, upload.Id));
            Assert.AreEqual(upload.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stored)), $"stored bytes of {upload.Id} match the recorded SHA-256");
        }
        var files = Directory.Exists(Path.Combine(StorageRoot, "files", userId.ToLowerInvariant()))
            ? Directory.EnumerateFiles(Path.Combine(StorageRoot, "files", userId.ToLowerInvariant())).Select(f => Guid.ParseExact(Path.GetFileName(f), "N")).ToHashSet()
            : [];
        var complete = held.Where(u => u.Status is UploadStatus.Complete or UploadStatus.Assembling).Select(u => u.Id).ToHashSet();
        Assert.IsTrue(files.IsSubsetOf(complete), "every stored file belongs to a complete record");
    }

    /// <summary>Every file under the test's work directory that lies outside the storage root.</summary>
    public IEnumerable<string> FilesOutsideStorageRoot() =>
        Directory.EnumerateFiles(WorkDirectory, "*", SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(StorageRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    /// <summary>The antiforgery token of a rendered form.</summary>
    public static string FormToken(string page) => HiddenToken().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    internal static partial Regex HiddenToken();

    [GeneratedRegex("data-token=\"([^\"]+)\"")]
    private static partial Regex PageToken();
}

public sealed record TestUser(string Id, string Email, string Password);

[TestClass]
public static class TestRun
{
    [AssemblyInitialize]
    public static void Start(TestContext _) => AppFixture.Start();

    [AssemblyCleanup]
    public static async Task Stop()
    {
        try
        {
            var errors = AppFixture.Shared.ServerErrors.Errors.ToList();
            await BrowserFixture.StopAsync();
            await AppFixture.StopAsync();
            // No request may end in a 500 or any other logged error, whichever test sent it.
            if (errors.Count > 0) throw new InvalidOperationException("The app logged errors during the run:\n" + string.Join("\n", errors));
        }
        finally
        {
            // Also when the app never started: the cluster is a separate process that would outlive the run.
            await PostgresCluster.StopSharedAsync();
        }
    }
}
