using System.Security.Cryptography;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Browser.UploadPage;
using static Microsoft.Playwright.Assertions;

namespace ChunkUploader.Tests.Browser;

/// <summary>The page's end-to-end chunk checksums (<c>X-Chunk-Checksum: sha256=…</c>, computed with Web Crypto).</summary>
[TestClass]
[DoNotParallelize]
public sealed class ChunkChecksumPageTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task Every_chunk_is_sent_with_the_SHA_256_of_its_own_bytes()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        var file = LocalFile("checked.bin", 5 * ChunkSize + 1000);
        var bytes = await File.ReadAllBytesAsync(file);
        var sent = new Dictionary<int, string?>();
        page.Request += (_, request) =>
        {
            if (request.Method != "POST" || !request.Url.Contains("api/upload?")) return;
            lock (sent) sent[ChunkNumber(request.Url)] = request.Headers.GetValueOrDefault("x-chunk-checksum");
        };

        await ChooseFilesAsync(page, file);
        await AssertRowDoneAsync(page, file);

        Assert.HasCount(5, sent);
        foreach (var (number, header) in sent)
        {
            var start = (number - 1) * ChunkSize;
            var end = number == 5 ? bytes.Length : number * ChunkSize; // the last chunk absorbs the remainder
            var expected = "sha256=" + Convert.ToBase64String(SHA256.HashData(bytes.AsSpan(start, end - start)));
            Assert.AreEqual(expected, header, $"chunk {number}");
        }
    }

    /// <summary>Needs the server's checksum verification (issue 7): a damaged chunk is refused with 460 and sent again.</summary>
    [TestMethod]
    public async Task A_chunk_damaged_in_transit_is_refused_retried_and_the_file_completes_byte_identical()
    {
        var (context, page, _) = await BrowserFixture.SignedInPageAsync();
        await using var _ = context;
        // Flips one byte of chunk 3's file part the first time it is sent, after the page computed its checksum:
        // to the server this is a chunk damaged on the way.
        await page.EvaluateAsync(@"() => {
            const send = XMLHttpRequest.prototype.send;
            window.damaged = 0;
            XMLHttpRequest.prototype.send = function (body) {
                if (!(body instanceof FormData) || body.get('resumableChunkNumber') !== '3' || window.damaged > 0) return send.call(this, body);
                window.damaged++;
                const part = body.get('file');
                part.arrayBuffer().then(buffer => {
                    const bytes = new Uint8Array(buffer);
                    bytes[1000] ^= 0xff;
                    body.set('file', new File([bytes], part.name, { type: part.type }));
                    send.call(this, body);
                });
            };
        }");
        var file = LocalFile("damaged.bin", 6 * ChunkSize);
        var statuses = new List<int>();
        page.Response += (_, response) =>
        {
            if (response.Request.Method == "POST" && response.Url.Contains("api/upload?") && ChunkNumber(response.Url) == 3)
                lock (statuses) statuses.Add(response.Status);
        };

        await ChooseFilesAsync(page, file);

        var id = await AssertRowDoneAsync(page, file);
        await AssertStoredAsync(App.StorageRoot, id, Sha256Of(file));
        Assert.AreEqual(1, await page.EvaluateAsync<int>("() => window.damaged"));
        CollectionAssert.AreEqual(new[] { 460, 200 }, statuses.ToArray(), "the damaged chunk was refused, then accepted when sent again");
    }
}
