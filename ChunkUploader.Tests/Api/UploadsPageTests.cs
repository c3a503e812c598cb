using System.Net;
using System.Net.Http.Headers;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;

namespace ChunkUploader.Tests.Api;

/// <summary>The user's history pages and downloads, through real HTTP.</summary>
[TestClass]
public sealed class UploadsPageTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_hostile_file_name_shows_as_text()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(2000, 1024, "<script>alert(1)</script>.txt");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
        await session.WaitForHashAsync(id);

        var list = await session.Client.GetStringAsync("Uploads");
        var details = await session.Client.GetStringAsync($"Uploads/{id}");

        foreach (var html in new[] { list, details })
        {
            Assert.DoesNotContain("<script>alert(1)</script>", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;.txt", html);
        }
        Assert.Contains(file.Sha256, details);
    }

    [TestMethod]
    public async Task Download_streams_the_file_under_its_original_name_with_ranges()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(100_000, 8192, "report final é.pdf");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));

        using var whole = await session.Client.GetAsync($"Uploads/{id}/download");
        Assert.AreEqual(HttpStatusCode.OK, whole.StatusCode);
        CollectionAssert.AreEqual(file.Bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.AreEqual("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
        Assert.AreEqual("report final é.pdf", whole.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.AreEqual("nosniff", whole.Headers.GetValues("X-Content-Type-Options").Single());

        var request = new HttpRequestMessage(HttpMethod.Get, $"Uploads/{id}/download");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var part = await session.Client.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.PartialContent, part.StatusCode);
        CollectionAssert.AreEqual(file.Bytes[1000..2000], await part.Content.ReadAsByteArrayAsync());
    }

    [TestMethod]
    [DataRow("caf\u00e9", DisplayName = "composed")]
    [DataRow("cafe\u0301", DisplayName = "decomposed, as a Mac pastes it")]
    public async Task The_name_search_finds_a_name_however_its_accents_are_written(string search)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(1_000, 8192, "caf\u00e9 menu.txt");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));

        var found = (await session.UploadsAsync($"?name={Uri.EscapeDataString(search)}")).GetProperty("items").EnumerateArray().ToList();

        Assert.HasCount(1, found);
        Assert.AreEqual(id, found[0].GetProperty("id").GetGuid());
    }

    [TestMethod]
    public async Task A_range_in_a_unit_other_than_bytes_is_ignored_and_the_whole_file_sent()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(20_000, 8192, "items.bin");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
        var request = new HttpRequestMessage(HttpMethod.Get, $"Uploads/{id}/download");
        request.Headers.TryAddWithoutValidation("Range", "items=0-9");

        using var answer = await session.Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode, "RFC 9110: a range unit the server does not know is ignored");
        CollectionAssert.AreEqual(file.Bytes, await answer.Content.ReadAsByteArrayAsync());
    }

    [TestMethod]
    public async Task Download_carries_a_validator_so_a_browser_resumes_it_only_while_the_file_is_the_same()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(50_000, 8192, "resumable.bin");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));

        using var whole = await session.Client.GetAsync($"Uploads/{id}/download");
        var tag = whole.Headers.ETag;
        Assert.IsNotNull(tag, "an entity tag");
        Assert.IsFalse(tag.IsWeak);
        Assert.IsNotNull(whole.Content.Headers.LastModified, "a last-modified date");

        HttpRequestMessage Resume(EntityTagHeaderValue ifRange)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"Uploads/{id}/download");
            request.Headers.Range = new RangeHeaderValue(40_000, null);
            request.Headers.IfRange = new RangeConditionHeaderValue(ifRange);
            return request;
        }
        using var same = await session.Client.SendAsync(Resume(tag));
        using var other = await session.Client.SendAsync(Resume(new EntityTagHeaderValue("\"something-else\"")));

        Assert.AreEqual(HttpStatusCode.PartialContent, same.StatusCode);
        CollectionAssert.AreEqual(file.Bytes[40_000..], await same.Content.ReadAsByteArrayAsync());
        Assert.AreEqual(HttpStatusCode.OK, other.StatusCode, "another version: the whole file, not a piece of it");
        Assert.AreEqual(file.Size, (await other.Content.ReadAsByteArrayAsync()).LongLength);
    }

    [TestMethod]
    public async Task Head_on_a_download_answers_its_size_validator_and_range_support_without_a_body()
    {
        using var session = await App.NewSessionAsync();
        using var stranger = await App.NewSessionAsync();
        var file = TestFile.Random(50_000, 8192, "sized.bin");
        var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
        using var get = await session.Client.GetAsync($"Uploads/{id}/download");

        using var head = await session.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"Uploads/{id}/download"));
        using var foreign = await stranger.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"Uploads/{id}/download"));

        Assert.AreEqual(HttpStatusCode.OK, head.StatusCode);
        Assert.AreEqual(file.Size, head.Content.Headers.ContentLength);
        Assert.AreEqual(get.Headers.ETag, head.Headers.ETag);
        CollectionAssert.AreEqual(new[] { "bytes" }, head.Headers.AcceptRanges.ToArray());
        Assert.AreEqual(get.Content.Headers.ContentDisposition, head.Content.Headers.ContentDisposition);
        Assert.AreEqual(0, (await head.Content.ReadAsByteArrayAsync()).Length, "no body");
        Assert.AreEqual(HttpStatusCode.NotFound, foreign.StatusCode, "another user's upload stays out of sight");
    }

    [TestMethod]
    public async Task Delete_removes_the_file_keeps_the_record_and_records_who()
    {
        using var alice = await App.NewSessionAsync();
        using var bob = await App.NewSessionAsync();
        using var admin = await App.NewSessionAsync(admin: true);
        var mine = UploadEndpointTests.SingleCompletion(await alice.UploadAsync(TestFile.Random(2000, 1024, "mine.bin")));
        var moderated = UploadEndpointTests.SingleCompletion(await alice.UploadAsync(TestFile.Random(2000, 1024, "moderated.bin")));

        using (var tokenless = await alice.Client.PostAsync($"Uploads/{mine}/delete", new FormUrlEncodedContent([])))
            Assert.AreEqual(HttpStatusCode.BadRequest, tokenless.StatusCode);
        using (var foreign = await DeleteAsync(bob, mine)) Assert.AreEqual(HttpStatusCode.NotFound, foreign.StatusCode);
        using (var own = await DeleteAsync(alice, mine)) Assert.AreEqual(HttpStatusCode.Redirect, own.StatusCode);
        using (var byAdmin = await DeleteAsync(admin, moderated)) Assert.AreEqual(HttpStatusCode.Redirect, byAdmin.StatusCode);

        var records = (await alice.UploadsAsync()).GetProperty("items").EnumerateArray().ToDictionary(u => u.GetProperty("id").GetGuid());
        Assert.AreEqual("Deleted", records[mine].GetProperty("status").GetString());
        Assert.AreEqual(alice.User.Email, records[mine].GetProperty("deletedBy").GetString());
        Assert.AreEqual(admin.User.Email, records[moderated].GetProperty("deletedBy").GetString());
        foreach (var id in new[] { mine, moderated })
            Assert.IsFalse(File.Exists(App.StoredFile(alice.User.Id, id)));
        using var download = await alice.Client.GetAsync($"Uploads/{mine}/download");
        Assert.AreEqual(HttpStatusCode.NotFound, download.StatusCode);
    }

    [TestMethod]
    public async Task Delete_of_an_upload_still_receiving_removes_its_chunks_when_the_user_has_no_finished_file()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3000, 1024, "unfinished.bin");
        await session.UploadAsync(file, file.Numbers.Take(1));
        var id = (await session.UploadsAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        Assert.IsTrue(Directory.Exists(App.ChunkDirectory(session.User.Id, id)));

        using var deleted = await DeleteAsync(session, id);

        Assert.AreEqual(HttpStatusCode.Redirect, deleted.StatusCode, await deleted.Content.ReadAsStringAsync());
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id, id)), "its chunks are gone");
        Assert.AreEqual("Deleted", (await session.UploadsAsync()).GetProperty("items")[0].GetProperty("status").GetString());
    }

    [TestMethod]
    public async Task Delete_of_an_upload_being_finished_says_so_and_leaves_it_to_finish()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3000, 1024, "finishing.bin");
        await session.UploadAsync(file, file.Numbers.Take(1));
        var id = (await session.UploadsAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        // As while its last chunk's request (or another instance) finishes it.
        await App.SetStatusAsync(id, UploadStatus.Assembling, DateTime.UtcNow.AddMinutes(1));
        try
        {
            using var deleted = await DeleteAsync(session, id);

            Assert.AreEqual(HttpStatusCode.Redirect, deleted.StatusCode, await deleted.Content.ReadAsStringAsync());
            Assert.AreEqual($"/Uploads/{id}", deleted.Headers.Location?.OriginalString);
            StringAssert.Contains(await session.Client.GetStringAsync(deleted.Headers.Location), "being finished right now");
            Assert.AreEqual("Assembling", (await session.UploadsAsync()).GetProperty("items")[0].GetProperty("status").GetString());
        }
        finally
        {
            await App.SetStatusAsync(id, UploadStatus.Cancelled);
        }
    }

    /// <summary>Posts the delete form as the details page renders it, with its antiforgery field.</summary>
    private static async Task<HttpResponseMessage> DeleteAsync(ApiSession session, Guid id)
    {
        var page = await session.Client.GetAsync($"Uploads/{id}");
        var html = await page.Content.ReadAsStringAsync();
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        var token = match.Success ? match.Groups[1].Value : session.Token;
        return await session.Client.PostAsync($"Uploads/{id}/delete",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    [TestMethod]
    public async Task Another_users_upload_is_404_for_view_and_download()
    {
        using var alice = await App.NewSessionAsync();
        using var bob = await App.NewSessionAsync();
        var id = UploadEndpointTests.SingleCompletion(await alice.UploadAsync(TestFile.Random(2000, 1024, "private.bin")));

        using var view = await bob.Client.GetAsync($"Uploads/{id}");
        using var download = await bob.Client.GetAsync($"Uploads/{id}/download");

        Assert.AreEqual(HttpStatusCode.NotFound, view.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, download.StatusCode);
    }
}
