using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary>HEAD wherever GET is answered (RFC 9110 §9.1): the same status and headers, no body.</summary>
[TestClass]
public sealed class HeadRequestTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow("Uploads", DisplayName = "the user's history page")]
    [DataRow("api/uploads", DisplayName = "the history API")]
    [DataRow("api/upload/status?resumableIdentifier=nothing-here", DisplayName = "an upload's status")]
    [DataRow("api/upload?resumableChunkNumber=1&resumableChunkSize=1048576&resumableCurrentChunkSize=10&resumableTotalSize=10&resumableIdentifier=head-probe&resumableFilename=a.txt&resumableRelativePath=a.txt&resumableTotalChunks=1", DisplayName = "the testChunks probe")]
    [DataRow("api/session", DisplayName = "the session's token")]
    [DataRow("Admin/Uploads", DisplayName = "the admin history page")]
    [DataRow("Admin/Users", DisplayName = "the admin users page")]
    public async Task Head_answers_like_get_without_a_body(string address)
    {
        using var admin = await App.NewSessionAsync(admin: true);

        using var get = await admin.Client.GetAsync(address);
        using var head = await admin.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, address));

        Assert.AreEqual(get.StatusCode, head.StatusCode, await get.Content.ReadAsStringAsync());
        Assert.AreEqual(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.IsEmpty(await head.Content.ReadAsByteArrayAsync());
    }
}
