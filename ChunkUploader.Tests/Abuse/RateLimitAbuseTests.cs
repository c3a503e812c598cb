using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Abuse;

/// <summary>
/// The rate limits, on a production host with a small upload bucket (<see cref="ProductionHost.UploadBurst"/>, 1 a second)
/// and the default sign-in limit (10 a minute per address). Client addresses come from X-Forwarded-For, which the app
/// believes from a proxy on loopback only, as a TLS-terminating proxy on the same machine would send it.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RateLimitAbuseTests
{
    private const int AccountAttempts = 10;
    private static ProductionHost _host = null!;

    [ClassInitialize]
    public static void Start(TestContext _) => _host = ProductionHost.Start();

    [ClassCleanup]
    public static async Task Stop()
    {
        var errors = _host.ServerErrors.Errors.ToList();
        await _host.DisposeAsync();
        Assert.IsEmpty(errors, "the host logged errors:\n" + string.Join("\n", errors));
    }

    [TestMethod]
    public async Task Upload_requests_beyond_the_users_bucket_get_429_with_Retry_After_while_another_user_carries_on()
    {
        using var greedy = await _host.NewSessionAsync();
        using var other = await _host.NewSessionAsync();
        var file = TestFile.Random(10_000, 1024);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, ProductionHost.UploadBurst * 4).Select(_ => greedy.ProbeAsync(file, 1)));
        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        using var othersProbe = await other.ProbeAsync(file, 1);

        // The bucket holds UploadBurst and refills 1 a second, however slowly this loaded machine sends.
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.IsLessThanOrEqualTo(ProductionHost.UploadBurst + seconds, answers.Length - refused.Count, $"at most the bucket plus 1 a second is let through ({seconds} s)");
        Assert.IsNotEmpty(refused);
        Assert.IsTrue(answers.All(a => a.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.TooManyRequests));
        Assert.IsGreaterThanOrEqualTo(1, (int)refused[0].Headers.RetryAfter!.Delta!.Value.TotalSeconds);
        StringAssert.Contains(await refused[0].Content.ReadAsStringAsync(), "Too many upload requests: at most 1 a second per user");
        Assert.AreEqual(HttpStatusCode.NoContent, othersProbe.StatusCode, "the limit is per user");
        foreach (var answer in answers) answer.Dispose();
    }

    [TestMethod]
    public async Task Sign_in_posts_beyond_ten_a_minute_from_one_address_get_429_while_another_address_may_still_try()
    {
        using var client = _host.CreateHttpsClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/Login"));

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt <= AccountAttempts; attempt++)
        {
            using var response = await SignInAttemptAsync(client, token, "203.0.113.10");
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.TooManyRequests) continue;
            Assert.IsNotNull(response.Headers.RetryAfter?.Delta);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "Too many sign-in, registration or password-reset attempts from your address");
        }
        using var elsewhere = await SignInAttemptAsync(client, token, "203.0.113.11");

        CollectionAssert.AreEqual(Enumerable.Repeat(HttpStatusCode.OK, AccountAttempts).Append(HttpStatusCode.TooManyRequests).ToList(), statuses);
        Assert.AreEqual(HttpStatusCode.OK, elsewhere.StatusCode, "the limit is per address");
    }

    [TestMethod]
    public async Task Sign_in_posts_to_other_spellings_of_the_form_address_count_against_the_same_limit()
    {
        using var client = _host.CreateHttpsClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/Login"));
        string[] spellings = ["Identity/Account/Login/", "identity/account/LOGIN", "Identity/Account/Login?returnUrl=%2F", "Identity/Account/login/"];

        var statuses = await AttemptsAsync(attempt => PostFromAsync(client, spellings[attempt % spellings.Length], "203.0.113.13",
            AbuseFixture.LoginForm("nobody@test.local", "Guess-1234!", token)));

        AssertOnlyTheLastRefused(statuses);
    }

    [TestMethod]
    public async Task Sign_in_posts_from_every_address_of_one_IPv6_network_share_one_limit()
    {
        using var client = _host.CreateHttpsClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/Login"));

        var statuses = await AttemptsAsync(attempt => SignInAttemptAsync(client, token, $"2001:db8:1:2::{attempt + 1:x}"));
        using var elsewhere = await SignInAttemptAsync(client, token, "2001:db8:1:3::1");

        AssertOnlyTheLastRefused(statuses);
        Assert.AreEqual(HttpStatusCode.OK, elsewhere.StatusCode, "another /64 network is another client");
    }

    [TestMethod]
    public async Task Password_reset_posts_share_the_limit()
    {
        using var client = _host.CreateHttpsClient();
        var token = AppFixture.FormToken(await client.GetStringAsync("Identity/Account/ForgotPassword"));

        var statuses = await AttemptsAsync(_ => PostFromAsync(client, "Identity/Account/ForgotPassword", "203.0.113.12",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "victim@test.local", ["__RequestVerificationToken"] = token })));

        AssertOnlyTheLastRefused(statuses);
    }

    /// <summary>The statuses of one post more than the limit allows.</summary>
    private static async Task<List<HttpStatusCode>> AttemptsAsync(Func<int, Task<HttpResponseMessage>> post)
    {
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt <= AccountAttempts; attempt++)
        {
            using var response = await post(attempt);
            statuses.Add(response.StatusCode);
        }
        return statuses;
    }

    private static void AssertOnlyTheLastRefused(List<HttpStatusCode> statuses)
    {
        Assert.AreEqual(HttpStatusCode.TooManyRequests, statuses[^1], string.Join(", ", statuses));
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses[..^1], string.Join(", ", statuses));
    }

    private static Task<HttpResponseMessage> SignInAttemptAsync(HttpClient client, string token, string address) =>
        PostFromAsync(client, "Identity/Account/Login", address, AbuseFixture.LoginForm("nobody@test.local", "Guess-1234!", token));

    /// <summary>A form post as a proxy on loopback forwards it for a client at <paramref name="address"/>.</summary>
    private static Task<HttpResponseMessage> PostFromAsync(HttpClient client, string path, string address, HttpContent form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        request.Headers.Add("X-Forwarded-For", address);
        return client.SendAsync(request);
    }
}
