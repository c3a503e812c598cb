using System.Net;
using System.Security.Cryptography;
using Npgsql;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>
/// The README's "Running several instances", on one machine: a fresh PostgreSQL database, two app processes on
/// different loopback ports with different <c>HOME</c>s sharing one storage root and the database, and (when asked)
/// nginx round-robin in front, configured from <c>deploy/nginx.conf</c>.
/// </summary>
public sealed class ScaleOutDeployment : IAsyncDisposable
{
    private readonly List<AppProcess> _instances;
    private readonly string _directory;

    private ScaleOutDeployment(string directory, TestDatabase database, List<AppProcess> instances, NginxProxy? proxy) =>
        (_directory, Database, _instances, Proxy) = (directory, database, instances, proxy);

    public TestDatabase Database { get; }
    public IReadOnlyList<AppProcess> Instances => _instances;
    public NginxProxy? Proxy { get; }
    public string StorageRoot => Path.Combine(_directory, "storage");

    /// <summary>Where clients go: nginx when there is one, else the first instance.</summary>
    public Uri BaseAddress => Proxy?.BaseAddress ?? _instances[0].BaseAddress;

    /// <summary>Both instances started at the same moment on an empty database, then nginx if <paramref name="withProxy"/>.</summary>
    public static async Task<ScaleOutDeployment> StartAsync(bool withProxy, IReadOnlyDictionary<string, string>? environment = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "chunkuploader-scale-" + Guid.NewGuid().ToString("N")[..8]);
        var database = await TestDatabase.NewPostgreSqlAsync("scale");
        var settings = new Dictionary<string, string>
        {
            ["Upload__MinChunkSize"] = AppFixture.MinChunkSize.ToString(),
            ["Upload__MaxChunkSize"] = AppFixture.MaxChunkSize.ToString(),
            ["Upload__MaxFileSize"] = AppFixture.MaxFileSize.ToString(),
            ["Upload__PageChunkSize"] = (256 * 1024).ToString(),
            // Short leases, so that work left by a killed instance is taken over within seconds.
            ["Upload__ClaimLease"] = "00:00:03",
            ["Upload__RecoveryInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) settings[key] = value;

        var starting = Enumerable.Range(1, 2)
            .Select(number => AppProcess.StartAsync(new AppProcessSettings(
                Path.Combine(directory, "storage"), database, Path.Combine(directory, $"home{number}"), settings)))
            .ToList();
        try
        {
            var instances = (await Task.WhenAll(starting)).ToList();
            var proxy = withProxy ? await NginxProxy.StartAsync(instances[0].BaseAddress, instances[1].BaseAddress) : null;
            return new ScaleOutDeployment(directory, database, instances, proxy);
        }
        catch
        {
            foreach (var task in starting.Where(task => task.IsCompletedSuccessfully)) await task.Result.DisposeAsync();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Registers a new account through the Identity pages at <paramref name="baseAddress"/> (through nginx the form and
    /// its post may be served by different instances) and reads its id from the database.
    /// </summary>
    public async Task<TestUser> RegisterAsync(Uri? baseAddress = null)
    {
        var email = $"scale-{Guid.NewGuid():N}"[..18] + "@test.local";
        const string password = "Test-Pass-1234!";
        using var client = AppFixture.CreateAnonymousClient(baseAddress ?? BaseAddress);
        var page = await client.GetStringAsync("Identity/Account/Register");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
            ["__RequestVerificationToken"] = AppFixture.HiddenToken().Match(page).Groups[1].Value,
        });
        using var registered = await client.PostAsync("Identity/Account/Register", form);
        if (registered.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Registering {email} answered {(int)registered.StatusCode}: {await registered.Content.ReadAsStringAsync()}");

        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT \"Id\" FROM \"AspNetUsers\" WHERE \"Email\" = @email", connection);
        query.Parameters.AddWithValue("email", email);
        var id = (string?)await query.ExecuteScalarAsync() ?? throw new InvalidOperationException($"{email} has no row after registering.");
        return new TestUser(id, email, password);
    }

    /// <summary>A single number from the database, for assertions on rows.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Where the README's storage layout puts a user's finished files, and one of them.</summary>
    public string FilesDirectory(string userId) => Path.Combine(StorageRoot, "files", userId.ToLowerInvariant());

    public string StoredFile(string userId, Guid uploadId) => Path.Combine(FilesDirectory(userId), uploadId.ToString("N"));

    public async Task<string> StoredSha256Async(string userId, Guid uploadId)
    {
        await using var stream = File.OpenRead(StoredFile(userId, uploadId));
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    /// <summary>Error lines the instances logged (a SIGKILLed one included), for the failure message.</summary>
    public IEnumerable<string> LoggedErrors => _instances.SelectMany(instance => instance.LoggedErrors);

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null) await Proxy.DisposeAsync();
        foreach (var instance in _instances) await instance.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
