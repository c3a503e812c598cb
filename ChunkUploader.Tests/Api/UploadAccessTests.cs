using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>Who may call the upload API: signed-in users only, with their own antiforgery token.</summary>
[TestClass]
public sealed class UploadAccessTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow("GET", "api/uploads/not-a-guid", 404, "Nothing is at this address")]
    [DataRow("GET", "no/such/page", 404, "Nothing is at this address")]
    [DataRow("PUT", "api/upload", 405, "does not take PUT")]
    public async Task An_address_or_method_nothing_answers_gets_a_sentence_not_an_empty_body(string method, string path, int status, string message)
    {
        using var session = await App.NewSessionAsync();

        using var response = await session.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.AreEqual(status, (int)response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), message);
    }

    [TestMethod]
    [DataRow("GET", "api/upload?resumableChunkNumber=1")]
    [DataRow("POST", "api/upload")]
    [DataRow("GET", "api/uploads")]
    public async Task Anonymous_calls_get_401_not_a_login_redirect(string method, string path)
    {
        using var client = App.CreateAnonymousClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new ByteArrayContent([1]) : null });

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [TestMethod]
    public async Task A_chunk_without_the_token_header_gets_400_and_stores_nothing()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1000, 1024, "notoken.bin");

        using var response = await session.SendChunkAsync(file, 1, token: null);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "RequestVerificationToken header is missing");
        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("items").GetArrayLength());
    }

    [TestMethod]
    public async Task A_chunk_with_another_users_token_gets_400_and_stores_nothing()
    {
        using var alice = await App.NewSessionAsync();
        using var mallory = await App.NewSessionAsync();
        var file = TestFile.Random(1000, 1024, "foreign.bin");

        using var forged = await alice.SendChunkAsync(file, 1, token: mallory.Token);
        using var garbage = await alice.SendChunkAsync(file, 1, token: "not-a-token");

        foreach (var response in new[] { forged, garbage })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "token is not valid");
        }
        Assert.AreEqual(0, (await alice.UploadsAsync()).GetProperty("items").GetArrayLength());
    }

    [TestMethod]
    public async Task Users_see_only_their_own_records_and_only_admins_may_ask_for_all()
    {
        using var alice = await App.NewSessionAsync();
        using var bob = await App.NewSessionAsync();
        using var admin = await App.NewSessionAsync(admin: true);
        var file = TestFile.Random(3000, 1024, "mine.bin");
        var id = UploadEndpointTests.SingleCompletion(await alice.UploadAsync(file));

        Assert.AreEqual(0, (await bob.UploadsAsync()).GetProperty("items").GetArrayLength());
        using (var forbidden = await bob.Client.GetAsync("api/uploads?all=true")) Assert.AreEqual(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using (var hidden = await bob.Client.GetAsync($"api/uploads/{id}")) Assert.AreEqual(HttpStatusCode.NotFound, hidden.StatusCode);

        var everyone = (await admin.UploadsAsync("?all=true&pageSize=500")).GetProperty("items").EnumerateArray();
        var seen = everyone.Single(u => u.GetProperty("id").GetGuid() == id);
        Assert.AreEqual(alice.User.Email, seen.GetProperty("userEmail").GetString());
    }
}
