using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>
/// Several instances on PostgreSQL sharing one storage root, behind nginx round-robin (no sticky sessions): the
/// deployment the README's "Running several instances" describes. Always on PostgreSQL, whatever the run's database.
/// </summary>
[TestClass]
public sealed partial class MultiInstanceTests
{
    private const long ChunkSize = 64 * 1024;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Two_instances_started_at_the_same_moment_on_an_empty_PostgreSQL_database_both_come_up()
    {
        await using var deployment = await ScaleOutDeployment.StartAsync(withProxy: false);

        foreach (var instance in deployment.Instances)
        {
            using var client = AppFixture.CreateAnonymousClient(instance.BaseAddress);
            using var health = await client.GetAsync("healthz");
            Assert.AreEqual(HttpStatusCode.OK, health.StatusCode, $"{instance.BaseAddress}: {await health.Content.ReadAsStringAsync()}");
        }
        Assert.AreEqual(1, await deployment.CountAsync("SELECT count(*) FROM \"AspNetRoles\" WHERE \"Name\" = 'Admin'"));
        Assert.AreEqual(
            typeof(Program).Assembly.GetTypes().Count(type => type.Namespace == "ChunkUploader.Web.Data.Migrations.PostgreSql" && type.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration))),
            await deployment.CountAsync("SELECT count(*) FROM \"__EFMigrationsHistory\""));
        AssertNoErrors(deployment);
    }

    [TestMethod]
    public async Task A_cookie_and_antiforgery_token_issued_by_one_instance_are_accepted_by_the_other()
    {
        await using var deployment = await ScaleOutDeployment.StartAsync(withProxy: false);
        var (first, second) = (deployment.Instances[0], deployment.Instances[1]);
        var user = await deployment.RegisterAsync(first.BaseAddress);
        var cookies = new CookieContainer();
        using var issued = await AppFixture.SignInAsync(first.BaseAddress, user, cookies);

        // Cookies are per host, not per port: the second instance is sent the very cookie the first one issued.
        using var otherClient = AppFixture.CreateAnonymousClient(second.BaseAddress, cookies);
        using var elsewhere = new ApiSession(user, otherClient, issued.Token);
        using var records = await otherClient.GetAsync("api/uploads");
        var file = TestFile.Random(3 * ChunkSize, ChunkSize);
        using var chunk = await elsewhere.SendChunkAsync(file, 1);

        Assert.AreEqual(HttpStatusCode.OK, records.StatusCode, "the second instance did not accept the first one's sign-in cookie");
        Assert.AreEqual(HttpStatusCode.OK, chunk.StatusCode, "the second instance did not accept the first one's antiforgery token: " + await chunk.Content.ReadAsStringAsync());
        AssertNoErrors(deployment);
    }

    [TestMethod]
    public async Task Users_uploading_at_once_through_round_robin_nginx_get_byte_identical_files_with_one_record_and_one_file_each()
    {
        await using var deployment = await ScaleOutDeployment.StartAsync(withProxy: true);
        var uploads = await StartUploadsAsync(deployment, users: 4, filesPerUser: 3, size: () => Random.Shared.Next(6, 24) * ChunkSize + Random.Shared.Next(1, (int)ChunkSize));

        await Task.WhenAll(uploads.Select(upload => upload.Sending));

        await AssertEveryUploadCompleteAsync(deployment, uploads);
        foreach (var instance in deployment.Instances)
            Assert.IsTrue(await ChunkPostsServedAsync(instance) > 0, $"nginx sent no chunk to {instance.BaseAddress}");
        AssertNoErrors(deployment);
    }

    [TestMethod]
    public async Task When_one_instance_is_killed_mid_run_every_upload_finishes_through_the_other()
    {
        await using var deployment = await ScaleOutDeployment.StartAsync(withProxy: true);
        var chunksAnswered = 0;
        var uploads = await StartUploadsAsync(deployment, users: 3, filesPerUser: 3, size: () => Random.Shared.Next(40, 60) * ChunkSize + 123,
            onAnswer: () => Interlocked.Increment(ref chunksAnswered));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref chunksAnswered) < 60 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.IsTrue(uploads.Any(upload => !upload.Sending.IsCompleted), "every upload finished before the kill; the test proves nothing");
        await deployment.Instances[1].KillAsync();
        await Task.WhenAll(uploads.Select(upload => upload.Sending));

        await AssertEveryUploadCompleteAsync(deployment, uploads);
        Assert.IsFalse(deployment.Instances[0].HasExited);
        AssertNoErrors(deployment);
    }

    [TestMethod]
    public async Task Hashing_left_by_a_killed_instance_is_completed_by_the_survivor()
    {
        // The kill must land while the victim hashes (a few hundred ms for 96 MiB); a test thread descheduled for that
        // long proves nothing, so such an attempt is repeated on a fresh deployment rather than failed or passed.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            if (await KillWhileHashingAsync()) return;
            TestContext.WriteLine($"Attempt {attempt}: the victim had hashed the file before the kill landed.");
        }
        Assert.Fail("In 3 attempts the killed instance had always hashed the file already; the test proved nothing.");
    }

    /// <summary>Whether the victim was killed before it hashed the file; if it was, the survivor must finish the hash.</summary>
    private static async Task<bool> KillWhileHashingAsync()
    {
        await using var deployment = await ScaleOutDeployment.StartAsync(withProxy: false);
        var (survivor, victim) = (deployment.Instances[0], deployment.Instances[1]);
        var user = await deployment.RegisterAsync(victim.BaseAddress);
        using var session = await AppFixture.SignInAsync(victim.BaseAddress, user);
        // Large enough that hashing it takes longer than the kill that follows the final answer.
        var file = TestFile.Random(96L * 1024 * 1024, AppFixture.MaxChunkSize);
        await session.UploadAsync(file, file.Numbers.SkipLast(1), parallel: 4);

        using var final = await session.SendChunkAsync(file, file.ChunkCount);
        await victim.KillAsync();
        var answer = JsonDocument.Parse(await final.Content.ReadAsStringAsync()).RootElement;
        Assert.AreEqual("complete", answer.GetProperty("status").GetString(), answer.ToString());
        var uploadId = answer.GetProperty("uploadId").GetGuid();
        if (await deployment.CountAsync($"SELECT count(*) FROM \"Uploads\" WHERE \"Id\" = '{uploadId}' AND \"Sha256\" IS NOT NULL") > 0) return false;

        using var onSurvivor = await AppFixture.SignInAsync(survivor.BaseAddress, user);
        var record = await onSurvivor.WaitForHashAsync(uploadId);

        Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString());
        Assert.AreEqual(file.Sha256, await deployment.StoredSha256Async(user.Id, uploadId));
        AssertNoErrors(deployment);
        return true;
    }

    private sealed record RunningUpload(ApiSession Session, TestFile File, Task<Guid> Sending);

    /// <summary>
    /// Registers <paramref name="users"/> accounts through nginx and starts uploading <paramref name="filesPerUser"/> files
    /// each, all at once. Per file: most chunks three at a time, then resends of chunks already held (one after the
    /// other and two at once), then the last three chunks at the same moment, so that they race on different instances.
    /// </summary>
    private static async Task<List<RunningUpload>> StartUploadsAsync(
        ScaleOutDeployment deployment, int users, int filesPerUser, Func<long> size, Action? onAnswer = null)
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, users).Select(async _ =>
            await AppFixture.SignInAsync(deployment.BaseAddress, await deployment.RegisterAsync())));
        return [.. sessions.SelectMany(session => Enumerable.Range(1, filesPerUser).Select(number =>
        {
            var file = TestFile.Random(size(), ChunkSize, $"file-{number}.bin");
            return new RunningUpload(session, file, Task.Run(() => SendFileAsync(session, file, onAnswer)));
        }))];
    }

    private static async Task<Guid> SendFileAsync(ApiSession session, TestFile file, Action? onAnswer)
    {
        var ids = new HashSet<Guid>();
        async Task SendAsync(int number)
        {
            var answer = await RetryingSender.SendAsync(session, file, number);
            lock (ids) ids.Add(answer.GetProperty("uploadId").GetGuid());
            onAnswer?.Invoke();
        }

        var last = file.ChunkCount;
        await Parallel.ForEachAsync(Enumerable.Range(1, last - 3), new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (number, _) => await SendAsync(number));
        await SendAsync(1);
        await Task.WhenAll(SendAsync(2), SendAsync(2));
        await Task.WhenAll(SendAsync(last - 2), SendAsync(last - 1), SendAsync(last));
        Assert.AreEqual(1, ids.Count, $"{file.Name}'s chunks were answered for several uploads: {string.Join(", ", ids)}");
        return ids.Single();
    }

    private static async Task AssertEveryUploadCompleteAsync(ScaleOutDeployment deployment, List<RunningUpload> uploads)
    {
        foreach (var upload in uploads)
        {
            var id = await upload.Sending;
            var record = await upload.Session.WaitForHashAsync(id);
            Assert.AreEqual("Complete", record.GetProperty("status").GetString(), record.ToString());
            Assert.AreEqual(upload.File.Sha256, record.GetProperty("sha256").GetString(), $"{upload.File.Name}: recorded SHA-256");
            Assert.AreEqual(upload.File.Sha256, await deployment.StoredSha256Async(upload.Session.User.Id, id), $"{upload.File.Name}: stored bytes");
        }
        foreach (var user in uploads.GroupBy(upload => upload.Session))
        {
            var records = await user.Key.UploadsAsync();
            Assert.AreEqual(user.Count(), records.GetProperty("totalCount").GetInt32(), $"records of {user.Key.User.Email}: {records}");
            Assert.AreEqual(user.Count(), Directory.GetFiles(deployment.FilesDirectory(user.Key.User.Id)).Length, $"stored files of {user.Key.User.Email}");
        }
    }

    /// <summary>How many chunk POSTs an instance answered, from its own /metrics (ASP.NET Core's request duration count).</summary>
    private static async Task<long> ChunkPostsServedAsync(AppProcess instance)
    {
        using var client = AppFixture.CreateAnonymousClient(instance.BaseAddress);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var text = await client.GetStringAsync("metrics");
            var served = ChunkPostCount().Matches(text).Sum(match => long.Parse(match.Groups[1].Value));
            if (served > 0 || DateTime.UtcNow > deadline) return served;
            await Task.Delay(500);
        }
    }

    private static void AssertNoErrors(ScaleOutDeployment deployment)
    {
        var errors = deployment.LoggedErrors.ToList();
        Assert.AreEqual(0, errors.Count, "The instances logged errors:\n" + string.Join("\n", errors));
    }

    [GeneratedRegex("""^http_server_request_duration_seconds_count\{[^}]*http_request_method="POST"[^}]*http_route="api/upload"[^}]*\} (\d+)""", RegexOptions.Multiline)]
    private static partial Regex ChunkPostCount();
}
