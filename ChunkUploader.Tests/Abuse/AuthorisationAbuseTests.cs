using System.Net;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>Another user's ids on every route, admin routes as a user, and every route anonymously: refused, nothing touched.</summary>
[TestClass]
public sealed class AuthorisationAbuseTests
{
    private static ApiSession _owner = null!;
    private static ApiSession _intruder = null!;
    private static Guid _ownersUpload;
    private static TestFile _ownersFile = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        _owner = await App.NewSessionAsync();
        _intruder = await App.NewSessionAsync();
        (_ownersUpload, _ownersFile) = await CompletedUploadAsync(_owner, "owners-secret.bin");
    }

    [ClassCleanup]
    public static void Stop()
    {
        _owner.Dispose();
        _intruder.Dispose();
    }

    [TestMethod]
    [DataRow("GET", "api/uploads/{id}")]
    [DataRow("GET", "Uploads/{id}")]
    [DataRow("GET", "Uploads/{id}/download")]
    [DataRow("POST", "Uploads/{id}/delete")]
    public async Task Another_users_upload_id_answers_404_and_leaves_it_intact(string method, string route)
    {
        var before = await FootprintAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{id}", _ownersUpload.ToString()));
        if (method == "POST")
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = await IntruderFormTokenAsync() });

        using var response = await _intruder.Client.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.NotFound, "No such upload", before);
        Assert.AreEqual("Complete", (await _owner.UploadAsync(_ownersUpload)).GetProperty("status").GetString());
        Assert.IsTrue(File.Exists(App.StoredFile(_owner.User.Id, _ownersUpload)));
    }

    [TestMethod]
    public async Task Another_users_identifier_reads_as_nothing_on_the_probe_and_the_status()
    {
        var before = await FootprintAsync();

        using var probe = await _intruder.ProbeAsync(_ownersFile, 1);
        using var status = await _intruder.Client.GetAsync("api/upload/status?resumableIdentifier=" + Uri.EscapeDataString(_ownersFile.Identifier));

        Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, status.StatusCode);
        await AssertUnchangedAsync(before);
    }

    [TestMethod]
    public async Task Another_users_identifier_cannot_be_cancelled()
    {
        var before = await FootprintAsync();
        var request = new HttpRequestMessage(HttpMethod.Delete, "api/upload?resumableIdentifier=" + Uri.EscapeDataString(_ownersFile.Identifier)).WithToken(_intruder);

        using var response = await _intruder.Client.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.NotFound, "No upload in progress with that identifier", before);
    }

    [TestMethod]
    [DataRow("Admin/Uploads", "Access denied")]
    [DataRow("Admin/Uploads/export.csv", "Access denied")]
    [DataRow("api/uploads?all=true", "Only admins")]
    public async Task Admin_routes_answer_403_to_a_user(string path, string message)
    {
        var before = await FootprintAsync();

        using var response = await _intruder.Client.GetAsync(path);

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, message, before);
    }

    [TestMethod]
    [DataRow("GET", "api/uploads")]
    [DataRow("GET", "api/uploads/{id}")]
    [DataRow("GET", "api/upload/status?resumableIdentifier=x")]
    [DataRow("DELETE", "api/upload?resumableIdentifier=x")]
    [DataRow("POST", "api/upload")]
    public async Task Api_routes_answer_401_with_a_reason_to_anonymous_callers(string method, string route)
    {
        var before = await FootprintAsync();
        using var client = App.CreateAnonymousClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), route.Replace("{id}", _ownersUpload.ToString())));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "Sign in first", before);
    }

    [TestMethod]
    [DataRow("Uploads/{id}/download")]
    [DataRow("Admin/Uploads/export.csv")]
    public async Task Pages_send_anonymous_callers_to_the_login_page_by_path(string route)
    {
        var before = await FootprintAsync();
        using var client = App.CreateAnonymousClient();

        using var response = await client.GetAsync(route.Replace("{id}", _ownersUpload.ToString()));

        Assert.AreEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.IsFalse(response.Headers.Location!.IsAbsoluteUri, $"a path, not a URL built from the Host: {response.Headers.Location}");
        StringAssert.StartsWith(response.Headers.Location.OriginalString, "/Identity/Account/Login?ReturnUrl=");
        await AssertUnchangedAsync(before);
    }

    private static async Task<string> IntruderFormTokenAsync() =>
        AppFixture.FormToken(await _intruder.Client.GetStringAsync($"Uploads"));
}
