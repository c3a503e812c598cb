using System.Net;
using System.Net.Http.Headers;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Security;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>State-changing requests without this session's antiforgery token, in every place a forger could put one.</summary>
[TestClass]
public sealed class CsrfAbuseTests
{
    private static ApiSession _victim = null!;
    private static ApiSession _attacker = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        _victim = await App.NewSessionAsync();
        _attacker = await App.NewSessionAsync();
    }

    [ClassCleanup]
    public static void Stop()
    {
        _victim.Dispose();
        _attacker.Dispose();
    }

    [TestMethod]
    [DataRow(UploadMethod.Multipart)]
    [DataRow(UploadMethod.Octet)]
    public async Task A_chunk_without_the_token_header_gets_400(UploadMethod method)
    {
        var before = await FootprintAsync();

        using var response = await _victim.SendChunkAsync(TestFile.Random(1000, 1024), 1, method, token: null);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "RequestVerificationToken header is missing", before);
    }

    [TestMethod]
    public async Task A_chunk_with_an_empty_token_header_gets_400_saying_it_is_empty()
    {
        var before = await FootprintAsync();

        using var response = await _victim.SendChunkAsync(TestFile.Random(1000, 1024), 1, token: " ");

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "RequestVerificationToken header is missing or empty", before);
    }

    [TestMethod]
    public async Task A_chunk_with_another_sessions_token_gets_400()
    {
        var before = await FootprintAsync();

        using var response = await _victim.SendChunkAsync(TestFile.Random(1000, 1024), 1, token: _attacker.Token);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "not valid for this session", before);
    }

    [TestMethod]
    public async Task A_token_in_the_query_string_instead_of_the_header_gets_400()
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024);
        var parameters = file.Parameters(1);
        parameters["__RequestVerificationToken"] = _victim.Token;
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(parameters)) { Content = new ByteArrayContent(file.Chunk(1)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using var response = await _victim.Client.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "header is missing", before);
    }

    [TestMethod]
    public async Task A_token_as_a_form_field_instead_of_the_header_gets_400()
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024);
        var form = new MultipartFormDataContent { { new StringContent(_victim.Token), "__RequestVerificationToken" } };
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(value), key);
        form.Add(new ByteArrayContent(file.Chunk(1)), "file", file.Name);

        using var response = await _victim.Client.PostAsync("api/upload", form);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "header is missing", before);
    }

    [TestMethod]
    [DataRow("text/plain")]
    [DataRow("application/x-www-form-urlencoded")]
    [DataRow("multipart/form-data; boundary=x")]
    public async Task A_cross_origin_simple_post_gets_400(string contentType)
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024);
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload?" + ApiSession.Query(file.Parameters(1))) { Content = new ByteArrayContent(file.Chunk(1)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Referrer = new Uri("https://evil.example/attack.html");

        using var response = await _victim.Client.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "header is missing", before);
    }

    [TestMethod]
    public async Task A_cancel_without_the_token_header_gets_400()
    {
        var before = await FootprintAsync();

        using var response = await _victim.Client.DeleteAsync("api/upload?resumableIdentifier=anything");

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "header is missing", before);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("attacker")]
    [DataRow("garbage")]
    public async Task A_delete_form_post_without_this_sessions_token_gets_400_and_keeps_the_file(string? token)
    {
        var (id, _) = await CompletedUploadAsync(_victim);
        var before = await FootprintAsync();
        var fields = new Dictionary<string, string>();
        if (token is not null)
            fields["__RequestVerificationToken"] = token == "attacker" ? AppFixture.FormToken(await _attacker.Client.GetStringAsync("Uploads")) : "CfDJ8garbage";

        using var response = await _victim.Client.PostAsync($"Uploads/{id}/delete", new FormUrlEncodedContent(fields));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, AntiforgeryFailureMessage.Message, before);
        Assert.IsTrue(File.Exists(App.StoredFile(_victim.User.Id, id)));
    }

    [TestMethod]
    public async Task A_sign_out_post_without_the_token_gets_400_and_the_session_lives_on()
    {
        var before = await FootprintAsync();

        using var response = await _victim.Client.PostAsync("Identity/Account/Logout", new FormUrlEncodedContent([]));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, AntiforgeryFailureMessage.Message, before);
        await _victim.UploadsAsync();
    }
}
