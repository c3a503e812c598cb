using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary>The built app in Production: JSON log lines, one access line per request with the user id, and no secrets in them.</summary>
[TestClass]
public sealed class ProductionLoggingTests
{
    private static readonly Dictionary<string, string> Production = new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Information",
        // Plain HTTP on loopback, as behind a TLS-terminating proxy; HTTPS itself is proven by the abuse suite's Production test.
        ["Https__Required"] = "false",
        // The test harness asks child processes for single-line plain logs; these tests are about the production format.
        ["Logging__Console__FormatterName"] = "json",
        ["AllowedHosts"] = "127.0.0.1",
    };

    [TestMethod]
    public async Task Outside_development_each_request_logs_one_json_access_line_with_the_user_and_no_cookie_token_or_query()
    {
        using var site = new Installation("logging");
        await site.RunSuccessfullyAsync("migrate");
        var user = await site.CreateAdminAsync("logged@ops.test");
        await using var server = await site.StartServerAsync(user, Production);
        var jar = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        await LoginForm.SignInRedirectAsync(client, user);

        using var request = new HttpRequestMessage(HttpMethod.Get, "Uploads?name=secret-query-value");
        request.Headers.Add(ApiSession.TokenHeader, "antiforgery-header-secret");
        using var response = await client.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var line = await AccessLineAsync(server, "/Uploads");

        var lines = server.Output.Lines.ToList();
        foreach (var text in lines) JsonDocument.Parse(text); // every line is one JSON object
        var state = line.GetProperty("State");
        Assert.AreEqual("GET", state.GetProperty("Method").GetString());
        Assert.AreEqual(200, state.GetProperty("StatusCode").GetInt32());
        Assert.IsTrue(state.GetProperty("DurationMs").GetDouble() > 0);
        var userId = state.GetProperty("UserId").GetString();
        Assert.IsTrue(Guid.TryParse(userId, out _), $"the access line names the signed-in user: {line}");
        Assert.IsTrue(line.GetProperty("Scopes").EnumerateArray().Any(s => s.TryGetProperty("UserId", out var scoped) && scoped.GetString() == userId),
            "the user id is a scope field, so every line of the request carries it");
        Assert.IsTrue(line.GetProperty("Scopes").EnumerateArray().Any(s => s.TryGetProperty("RequestId", out var id) && id.GetString()!.Length > 0
            && s.GetProperty("RequestPath").GetString() == "/Uploads"), $"the request's id and path are scope fields: {line}");
        Assert.AreEqual("ChunkUploader.Web.Logging.ProductionLogging.AccessLogMiddleware", line.GetProperty("Category").GetString());
        Assert.AreEqual("Information", line.GetProperty("LogLevel").GetString());
        StringAssert.Matches(line.GetProperty("Timestamp").GetString(), new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
        StringAssert.Matches(line.GetProperty("Message").GetString(), new Regex($@"^GET /Uploads 200 in \d+\.\d ms, user {userId}, from 127\.0\.0\.1$"));
        var all = string.Join("\n", lines);
        Assert.IsFalse(all.Contains("secret-query-value"), "query strings are never logged");
        Assert.IsFalse(all.Contains("antiforgery-header-secret"), "the antiforgery header is never logged");
        var cookies = jar.GetAllCookies();
        Assert.IsTrue(cookies.Count >= 2, "signed in: the identity and antiforgery cookies");
        foreach (Cookie cookie in cookies)
            Assert.IsFalse(all.Contains(cookie.Value), $"the value of cookie {cookie.Name} is never logged");
    }

    [TestMethod]
    public async Task The_access_log_is_switched_off_by_configuration()
    {
        using var site = new Installation("no-access-log");
        var user = new TestUser("", "nobody@ops.test", "Unused-Pass-1234!");
        await using var server = await site.StartServerAsync(user, new Dictionary<string, string>(Production) { ["Logging__AccessLog__Enabled"] = "false" });
        using var client = AppFixture.CreateAnonymousClient(server.BaseAddress);

        using (var login = await client.GetAsync("Identity/Account/Login")) Assert.AreEqual(HttpStatusCode.OK, login.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2)); // let any line there would be reach standard output

        Assert.IsTrue(server.Output.Lines.Any(l => l.Contains("\"Category\":\"Microsoft.Hosting.Lifetime\"")), "the app does log, as JSON");
        Assert.IsFalse(server.Output.Lines.Any(l => l.Contains("AccessLogMiddleware")), string.Join("\n", server.Output));
    }

    private static async Task<JsonElement> AccessLineAsync(AppProcess server, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var text in server.Output.Lines.Where(l => l.Contains("AccessLogMiddleware")))
            {
                var json = JsonDocument.Parse(text).RootElement;
                if (json.GetProperty("State").GetProperty("Path").GetString() == path) return json.Clone();
            }
            await Task.Delay(100);
        }
        Assert.Fail($"No access line for {path}:\n{string.Join("\n", server.Output)}");
        return default;
    }
}
