using System.Net;
using ChunkUploader.Tests.Infrastructure;
using static ChunkUploader.Tests.Abuse.AbuseFixture;

namespace ChunkUploader.Tests.Abuse;

/// <summary>
/// Hostile file names and relative paths. Names are never paths on the server, so traversal and reserved names are
/// kept as text and change nothing outside the user's server-chosen folder; characters that disguise a name are refused.
/// </summary>
[TestClass]
public sealed class NameAbuseTests
{
    private static ApiSession _session = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _) => _session = await App.NewSessionAsync();

    [ClassCleanup]
    public static void Stop() => _session.Dispose();

    public static IEnumerable<object[]> Disguising()
    {
        (string Value, string Message)[] names =
        [
            ("invoice\u202Efdp.exe", "U+202E (a bidirectional text control)"),
            ("report\u202Dtxt.exe", "U+202D (a bidirectional text control)"),
            ("a\u2066b\u2069.txt", "U+2066 (a bidirectional text control)"),
            ("\u200Fname.txt", "U+200F (a bidirectional text control)"),
            ("\u200Ename.txt", "U+200E (a bidirectional text control)"),
            ("zero\u200Bwidth.txt", "U+200B"),
            ("soft\u00ADhyphen.txt", "U+00AD"),
            ("bom\uFEFF.txt", "U+FEFF"),
            ("nul\u0000.txt", "contains control characters"),
            ("bell\u0007.txt", "contains control characters"),
            ("line\nbreak.txt", "contains control characters"),
            ("del\u007F.txt", "contains control characters"),
            ("c1\u0085.txt", "contains control characters"),
            ("not\uFFFEtext.txt", "U+FFFE, a Unicode noncharacter"),
            ("not\uFFFFtext.txt", "U+FFFF, a Unicode noncharacter"),
            ("not\uFDD0text.txt", "U+FDD0, a Unicode noncharacter"),
            ("not\U0001FFFEtext.txt", "U+1FFFE, a Unicode noncharacter"),
            (new string('a', 10_000) + ".txt", "is longer than"),
        ];
        return new[] { "resumableFilename", "resumableRelativePath" }.SelectMany(p => names.Select(n => new object[] { p, n.Value, n.Message }));
    }

    [TestMethod]
    [DynamicData(nameof(Disguising))]
    public async Task A_name_with_characters_that_disguise_it_gets_400_naming_the_character(string parameter, string name, string message)
    {
        var before = await FootprintAsync();
        var file = TestFile.Random(1000, 1024);

        // As form fields only: a 10,000-character query string is refused by Kestrel (414) before the app sees it.
        var form = new MultipartFormDataContent();
        foreach (var (key, value) in file.Parameters(1)) form.Add(new StringContent(key == parameter ? name : value), key);
        form.Add(new ByteArrayContent(file.Chunk(1)), "file", "chunk");
        using var post = await _session.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/upload") { Content = form }.WithToken(_session));

        await AssertRefusedAsync(post, HttpStatusCode.BadRequest, message, before);
        StringAssert.Contains(await post.Content.ReadAsStringAsync(), parameter);
    }

    [TestMethod]
    [DataRow("../../../../etc/passwd", "passwd")]
    [DataRow("..\\..\\..\\windows\\win.ini", "win.ini")]
    [DataRow("/etc/shadow", "shadow")]
    [DataRow("C:\\Windows\\System32\\cmd.exe", "cmd.exe")]
    [DataRow("....//....//escape.txt", "escape.txt")]
    [DataRow("%2e%2e%2fencoded.txt", "%2e%2e%2fencoded.txt")]
    [DataRow("..%c0%afoverlong.txt", "..%c0%afoverlong.txt")]
    [DataRow("\\\\server\\share\\unc.txt", "unc.txt")]
    [DataRow("CON", "CON")]
    [DataRow("NUL.txt", "NUL.txt")]
    [DataRow("aux.tar.gz", "aux.tar.gz")]
    [DataRow("folder/", "folder")]
    [DataRow("..", "download")]
    [DataRow("/", "download")]
    public async Task A_traversal_or_reserved_name_stays_text_and_the_file_stays_in_its_server_chosen_place(string name, string downloadName)
    {
        var file = TestFile.Random(1000, 1024, name) with { RelativePath = name };

        var answer = (await _session.UploadAsync(file)).Single();

        var id = Guid.Parse(answer.GetProperty("uploadId").GetString()!);
        var record = await _session.UploadAsync(id);
        Assert.AreEqual(name, record.GetProperty("fileName").GetString(), "the name is kept as text");
        CollectionAssert.AreEqual(file.Bytes, await File.ReadAllBytesAsync(App.StoredFile(_session.User.Id, id)), "stored under the server-chosen path");
        Assert.IsEmpty(App.FilesOutsideStorageRoot().ToList(), "nothing written outside the storage root");

        using var download = await _session.Client.GetAsync($"Uploads/{id}/download");
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.AreEqual("attachment", disposition.DispositionType);
        Assert.AreEqual(downloadName, disposition.FileNameStar);
        Assert.IsFalse(disposition.FileName!.IndexOfAny(['/', '\\']) >= 0, disposition.FileName);
        Assert.AreEqual(0, App.ServerErrors.Errors.Count(e => e.Contains(id.ToString(), StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_decomposed_name_is_stored_composed_and_downloads_with_an_ascii_fallback()
    {
        var decomposed = "Cafe\u0301 \u00FCber/re\u0301sume\u0301.pdf";
        var file = TestFile.Random(1000, 1024, "re\u0301sume\u0301.pdf") with { RelativePath = decomposed };

        var id = Guid.Parse((await _session.UploadAsync(file)).Single().GetProperty("uploadId").GetString()!);

        var record = await _session.UploadAsync(id);
        Assert.AreEqual("r\u00E9sum\u00E9.pdf", record.GetProperty("fileName").GetString());
        Assert.AreEqual("Caf\u00E9 \u00FCber/r\u00E9sum\u00E9.pdf", record.GetProperty("relativePath").GetString());
        using var download = await _session.Client.GetAsync($"Uploads/{id}/download");
        var header = string.Join(",", download.Content.Headers.GetValues("Content-Disposition"));
        StringAssert.Contains(header, "filename=resume.pdf");
        StringAssert.Contains(header, "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
    }
}
