using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ChunkUploader.Tests.Api.UploadEndpointTests;

namespace ChunkUploader.Tests.Api;

/// <summary>What the server says it holds is exactly what it holds: hostile timing, resends, cancels and refusals.</summary>
[TestClass]
public sealed partial class UploadIntegrityTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow(2, 2, DisplayName = "the final chunk, held until after completion")]
    [DataRow(3, 1, DisplayName = "a middle chunk, held until after its duplicate was recorded")]
    public async Task A_slow_writer_that_lost_its_chunk_writes_nothing(int chunks, int held)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(chunks * 65_536, 65_536, "slow-writer.bin");
        await session.UploadAsync(file, file.Numbers.Where(n => n < held));

        // A slow writer sends other bytes for the chunk, keeping its connection above the minimum data rate.
        var release = new TaskCompletionSource();
        var impostor = new HeldContent(RandomNumberGenerator.GetBytes(file.Chunk(held).Length), 1000, release.Task, trickle: true);
        var slow = session.SendOctetAsync(file, held, impostor);
        await App.WaitForClaimAsync(session.User.Id, held);

        using (var duplicate = await session.SendChunkAsync(file, held))
        {
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, duplicate.StatusCode, "a duplicate of a chunk being written is told to come back");
            Assert.IsNotNull(duplicate.Headers.RetryAfter, "with Retry-After");
        }
        // Once the slow writer's lease runs out, the resend takes the chunk over.
        var answers = await session.UploadAsync(file, file.Numbers.Where(n => n >= held));

        release.SetResult();
        using (var late = await slow)
            Assert.AreNotEqual(HttpStatusCode.OK, late.StatusCode, $"the writer that lost its claim is not acknowledged: {await late.Content.ReadAsStringAsync()}");
        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task A_resent_chunk_of_an_upload_being_finished_answers_assembling()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 1024, 1024, "resent-while-finishing.bin");
        await session.UploadAsync(file, [1]);
        var id = await LiveIdAsync(session.User.Id, file.Identifier);
        // Where another request's last chunk has just taken it, after this resend looked the upload up.
        await App.SetStatusAsync(id, UploadStatus.Assembling, DateTime.UtcNow.AddMinutes(1));
        try
        {
            using var resent = await session.SendChunkAsync(file, 1);

            Assert.AreEqual(HttpStatusCode.OK, resent.StatusCode);
            StringAssert.Contains(await resent.Content.ReadAsStringAsync(), "\"status\":\"assembling\"");
        }
        finally
        {
            await App.SetStatusAsync(id, UploadStatus.Cancelled);
        }
    }

    [TestMethod]
    public async Task A_slow_chunk_whose_upload_is_cancelled_while_it_arrives_gets_404_and_starts_nothing()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 65_536, 65_536, "cancelled-under-a-slow-chunk.bin");
        await session.UploadAsync(file, [1]);
        var release = new TaskCompletionSource();
        var slow = session.SendOctetAsync(file, 2, new HeldContent(file.Chunk(2), 1000, release.Task, trickle: true));
        await App.WaitForClaimAsync(session.User.Id, 2);

        using (var cancelled = await session.CancelAsync(file)) Assert.AreEqual(HttpStatusCode.NoContent, cancelled.StatusCode);
        // Past a third of the claim's lease, so that the writer must renew its claim before it writes.
        await Task.Delay(AppFixture.ClaimLease / 2);
        release.SetResult();

        using var late = await slow;
        Assert.AreEqual(HttpStatusCode.NotFound, late.StatusCode, "a permanent answer, which Resumable.js does not resend");
        StringAssert.Contains(await late.Content.ReadAsStringAsync(), "cancelled");
        using var status = await session.Client.GetAsync("api/upload/status?resumableIdentifier=" + Uri.EscapeDataString(file.Identifier));
        Assert.AreEqual(HttpStatusCode.NoContent, status.StatusCode, "no upload of the file is live");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public async Task The_final_chunk_resent_after_completion_answers_complete_and_changes_nothing(int chunks)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(chunks * 4096, 4096, "resent-final.bin");
        var id = SingleCompletion(await session.UploadAsync(file));
        await AssertStoredAsync(session, id, file);

        var again = await session.UploadAsync(file, [file.ChunkCount]);
        using (var probe = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.OK, probe.StatusCode, "the probe says the file is held");

        Assert.AreEqual(id, SingleCompletion(again), "the existing upload answers");
        StringAssert.Contains(again.Single().ToString(), "\"status\":\"complete\"");
        Assert.AreEqual(1, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "no second record");
        await AssertStoredAsync(session, id, file);
    }

    [TestMethod]
    public async Task After_the_user_deletes_a_file_the_same_file_uploads_afresh()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(8192, 4096, "again.bin");
        var first = SingleCompletion(await session.UploadAsync(file));
        await session.WaitForHashAsync(first);
        using (var deleted = await session.Client.PostAsync($"Uploads/{first}/delete", Form(session))) Assert.AreEqual(HttpStatusCode.Redirect, deleted.StatusCode);

        using (var probe = await session.ProbeAsync(file, 1)) Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode);
        var second = SingleCompletion(await session.UploadAsync(file));

        Assert.AreNotEqual(first, second);
        await AssertStoredAsync(session, second, file);
    }

    [TestMethod]
    public async Task A_chunk_in_flight_when_its_upload_is_cancelled_writes_and_creates_nothing()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 65_536, 65_536, "cancelled-in-flight.bin");
        await session.UploadAsync(file, [1]);
        var id = await LiveIdAsync(session.User.Id, file.Identifier);

        var release = new TaskCompletionSource();
        var body = new HeldContent(file.Chunk(2), 30_000, release.Task, trickle: true);
        var inFlight = session.SendOctetAsync(file, 2, body);
        await App.WaitForClaimAsync(session.User.Id, 2);
        using (var cancelled = await session.CancelAsync(file)) Assert.AreEqual(HttpStatusCode.NoContent, cancelled.StatusCode);
        release.SetResult();

        using var late = await inFlight;
        Assert.AreEqual(HttpStatusCode.NotFound, late.StatusCode);
        StringAssert.Contains(await late.Content.ReadAsStringAsync(), "cancelled");
        var records = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.HasCount(1, records, "no new upload was started");
        Assert.AreEqual("Cancelled", records[0].GetProperty("status").GetString());
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id, id)), "nothing on disk");
    }

    [TestMethod]
    public async Task A_chunk_that_arrived_before_the_cancel_but_is_looked_at_after_it_starts_nothing_and_a_later_one_may()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 65_536, 65_536, "cancelled-before-lookup.bin");
        await session.UploadAsync(file, [1]);
        var arrivedBeforeTheCancel = DateTime.UtcNow;
        await Task.Delay(20);
        using (var cancelled = await session.CancelAsync(file)) Assert.AreEqual(HttpStatusCode.NoContent, cancelled.StatusCode);

        // The request's own timing cannot be arranged over HTTP (its lookup follows its arrival within microseconds), so
        // the chunk is handed to the receiver as the reader would hand it, stamped with its arrival before the cancel.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var request = scope.ServiceProvider.GetRequiredService<ChunkRequestParser>().Parse(key => file.Parameters(2).GetValueOrDefault(key)).Value!;
            var chunk = new IncomingChunk(request, new MemoryStream(file.Chunk(2)), null) { ArrivedAt = arrivedBeforeTheCancel };
            var late = await scope.ServiceProvider.GetRequiredService<UploadReceiver>().ReceiveAsync(session.User.Id, chunk, CancellationToken.None);
            Assert.AreEqual(StatusCodes.Status404NotFound, late.Rejection?.StatusCode, "in flight at the cancel: refused like any chunk in flight");
            StringAssert.Contains(late.Rejection!.Message, "cancelled");
        }
        var records = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.HasCount(1, records, "no new upload was started");
        Assert.AreEqual("Cancelled", records[0].GetProperty("status").GetString());

        // Sent after the cancel, the same file starts over.
        await session.UploadAsync(file, [2, 1, 3]);
        var statuses = (await session.UploadsAsync()).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("status").GetString()).Order().ToList();
        CollectionAssert.AreEqual(new[] { "Cancelled", "Complete" }, statuses);
    }

    [TestMethod]
    public async Task A_refused_first_chunk_leaves_no_record_and_no_partial_file()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 4096, 4096, "short-first.bin");

        using (var shortBody = await session.SendChunkAsync(file, 1, body: file.Chunk(1)[..1000]))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, shortBody.StatusCode);
            StringAssert.Contains(await shortBody.Content.ReadAsStringAsync(), "1000 bytes");
        }
        using (var damaged = await session.SendChunkAsync(file, 1, checksum: file.ChunkChecksum(2)))
            Assert.AreEqual(460, (int)damaged.StatusCode);

        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32(), "no record");
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id)) && Directory.EnumerateFileSystemEntries(App.ChunkDirectory(session.User.Id)).Any(), "no partial file");
    }

    [TestMethod]
    public async Task A_chunk_that_fails_its_checksum_is_not_recorded_and_its_resend_is()
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(3 * 4096, 4096, "checksummed.bin");
        using (var first = await session.SendChunkAsync(file, 1, checksum: file.ChunkChecksum(1))) Assert.AreEqual(HttpStatusCode.OK, first.StatusCode);

        var damaged = file.Chunk(2);
        damaged[100] ^= 0xFF;
        using (var refused = await session.SendChunkAsync(file, 2, body: damaged, checksum: file.ChunkChecksum(2)))
        {
            Assert.AreEqual(460, (int)refused.StatusCode, "damaged in transit: a status Resumable.js retries");
            StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "X-Chunk-Checksum");
        }
        using (var probe = await session.ProbeAsync(file, 2)) Assert.AreEqual(HttpStatusCode.NoContent, probe.StatusCode, "not recorded");
        using (var malformed = await session.SendChunkAsync(file, 2, checksum: "md5=abc"))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, malformed.StatusCode);
            StringAssert.Contains(await malformed.Content.ReadAsStringAsync(), "sha256=");
        }

        var answers = new List<System.Text.Json.JsonElement>();
        foreach (var number in file.Numbers.Skip(1))
        {
            using var sent = await session.SendChunkAsync(file, number, checksum: file.ChunkChecksum(number));
            Assert.AreEqual(HttpStatusCode.OK, sent.StatusCode, await sent.Content.ReadAsStringAsync());
            answers.Add(System.Text.Json.JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        await AssertStoredAsync(session, SingleCompletion(answers), file);
    }

    [TestMethod]
    public async Task Deleting_an_account_deletes_its_files_and_chunks()
    {
        using var session = await App.NewSessionAsync();
        var done = TestFile.Random(8192, 4096, "kept-until-account-goes.bin");
        var partial = TestFile.Random(3 * 4096, 4096, "half.bin");
        var id = SingleCompletion(await session.UploadAsync(done));
        await session.UploadAsync(partial, [1]);
        Assert.IsTrue(File.Exists(App.StoredFile(session.User.Id, id)));

        await DeleteAccountAsync(session);

        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(App.StoredFile(session.User.Id, id))), "the user's files are gone");
        Assert.IsFalse(Directory.Exists(App.ChunkDirectory(session.User.Id)), "the user's chunks are gone");
        await using var scope = App.Services.CreateAsyncScope();
        Assert.IsFalse(await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.AnyAsync(u => u.UserId == session.User.Id), "and their records");
    }

    [TestMethod]
    [DataRow(1, DisplayName = "a file of one chunk")]
    [DataRow(3, DisplayName = "the first chunk of a file of three")]
    public async Task A_chunk_whose_account_is_deleted_while_it_travels_gets_401_and_stores_nothing(int chunks)
    {
        using var session = await App.NewSessionAsync();
        var file = TestFile.Random(chunks * 4096, 4096, "orphaned.bin");
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(value), key);
        form.Add(new ByteArrayContent(file.Chunk(1)), "file", "blob");
        var bytes = await form.ReadAsByteArrayAsync();
        // Everything up to the file part goes at once, so the server has read the fields and waits for the chunk.
        var filePart = System.Text.Encoding.ASCII.GetString(bytes).IndexOf("name=file", StringComparison.Ordinal);
        var release = new TaskCompletionSource();
        var body = new HeldContent(bytes, filePart, release.Task);
        body.Headers.ContentType = form.Headers.ContentType;
        var request = new HttpRequestMessage(HttpMethod.Post, "api/upload") { Content = body };
        request.Headers.Add(ApiSession.TokenHeader, session.Token);
        var inFlight = session.Client.SendAsync(request);
        await body.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);

        await DeleteAccountAsync(session);
        release.SetResult();

        using var answer = await inFlight;
        Assert.AreEqual(HttpStatusCode.Unauthorized, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "This account no longer exists");
        string[] roots = [Path.GetDirectoryName(App.StoredFile(session.User.Id, Guid.Empty))!, App.ChunkDirectory(session.User.Id)];
        Assert.AreEqual(0, roots.Where(Directory.Exists).Sum(root => Directory.GetFiles(root, "*", SearchOption.AllDirectories).Length), "nothing stored for the deleted account");
        await using var scope = App.Services.CreateAsyncScope();
        Assert.IsFalse(await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads.AnyAsync(u => u.UserId == session.User.Id));
    }

    /// <summary>Deletes the session's account through the page a user would use.</summary>
    private static async Task DeleteAccountAsync(ApiSession session)
    {
        var page = await session.Client.GetStringAsync("Identity/Account/Manage/DeletePersonalData");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Password"] = session.User.Password,
            ["__RequestVerificationToken"] = HiddenToken().Match(page).Groups[1].Value,
        });
        using var deleted = await session.Client.PostAsync("Identity/Account/Manage/DeletePersonalData", form);
        Assert.AreEqual(HttpStatusCode.Redirect, deleted.StatusCode);
    }

    private static FormUrlEncodedContent Form(ApiSession session) =>
        new(new Dictionary<string, string> { ["__RequestVerificationToken"] = session.Token });

    private static async Task<Guid> LiveIdAsync(string userId, string identifier)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Uploads
            .Where(u => u.UserId == userId && u.Identifier == identifier && u.Status == UploadStatus.Receiving).Select(u => u.Id).SingleAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}
