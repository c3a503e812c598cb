using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Api;

/// <summary>
/// The scripts, stylesheets and icon the pages link to, fetched as a browser does: compressed when it accepts gzip (the
/// build's copies; a published app also has brotli ones), and in every encoding byte for byte the file in wwwroot. A
/// compressed copy the server cannot find must never answer an empty 200, which left the upload page without its script.
/// </summary>
[TestClass]
public sealed partial class StaticAssetsTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    [DataRow("")]
    [DataRow("gzip")]
    [DataRow("br")]
    [DataRow("gzip, deflate, br, zstd")]
    public async Task Every_asset_of_the_pages_arrives_whole_in_each_encoding_a_browser_may_accept(string acceptEncoding)
    {
        using var session = await App.NewSessionAsync();
        var assets = new SortedSet<string>();
        foreach (var page in new[] { "/", "/Uploads", "/Identity/Account/Login" })
            assets.UnionWith(LinkedAssets().Matches(await session.Client.GetStringAsync(page)).Select(match => match.Groups[1].Value));
        Assert.IsTrue(assets.Any(a => a.StartsWith("/lib/resumablejs/resumable.js")) && assets.Any(a => a.StartsWith("/js/uploader.js")), string.Join(", ", assets));
        var webRoot = App.Services.GetRequiredService<IWebHostEnvironment>().WebRootPath;

        foreach (var asset in assets)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, asset);
            if (acceptEncoding.Length > 0) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
            using var response = await session.Client.SendAsync(request);
            var encoding = string.Join(",", response.Content.Headers.ContentEncoding);
            var what = $"{asset} asked with Accept-Encoding '{acceptEncoding}', sent as '{encoding}'";

            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, what);
            Assert.AreEqual("no-cache", response.Headers.CacheControl?.ToString(), $"{what}: revalidated on each visit");
            Assert.IsNotNull(response.Headers.ETag, $"{what}: by its ETag");
            if (acceptEncoding.Contains("gzip")) Assert.AreNotEqual("", encoding, $"{what}: compressed when the browser accepts it");
            var onDisk = await File.ReadAllBytesAsync(Path.Combine(webRoot, asset.Split('?')[0].TrimStart('/')));
            CollectionAssert.AreEqual(onDisk, await DecodedAsync(response, encoding), what);
        }
    }

    private static async Task<byte[]> DecodedAsync(HttpResponseMessage response, string encoding)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        await using Stream decoded = encoding switch
        {
            "" => body,
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            _ => throw new AssertFailedException($"An encoding the browser did not offer: {encoding}"),
        };
        using var bytes = new MemoryStream();
        await decoded.CopyToAsync(bytes);
        return bytes.ToArray();
    }

    // The local files a page links to: scripts, stylesheets and the icon.
    [GeneratedRegex(@"(?:src|href)=""(/[^/""][^""]*\.(?:js|css|svg)(?:\?[^""]*)?)""")]
    private static partial Regex LinkedAssets();
}
