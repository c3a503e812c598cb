using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class ChunkRequestParserTests
{
    private static readonly ChunkRequestParser Parser = new(Microsoft.Extensions.Options.Options.Create(new UploadOptions
    {
        MinChunkSize = 1024,
        MaxChunkSize = 4096,
        PageChunkSize = 1024,
        MaxFileSize = 1_000_000,
    }));

    private static Dictionary<string, string> Valid() => new()
    {
        ["resumableChunkNumber"] = "3",
        ["resumableChunkSize"] = "1024",
        ["resumableCurrentChunkSize"] = "1024",
        ["resumableTotalSize"] = "10000",
        ["resumableType"] = "",
        ["resumableIdentifier"] = "10000-photojpg",
        ["resumableFilename"] = "photo.jpg",
        ["resumableRelativePath"] = "holiday/photo.jpg",
        ["resumableTotalChunks"] = "9",
    };

    private static Outcome<ChunkRequest> Parse(Action<Dictionary<string, string>>? tamper = null)
    {
        var values = Valid();
        tamper?.Invoke(values);
        return Parser.Parse(values.GetValueOrDefault);
    }

    [TestMethod]
    [DataRow("backup.tar.gz", null, DisplayName = "an extension of two parts")]
    [DataRow("NOTES.TXT", null, DisplayName = "an extension in another case")]
    [DataRow("backup.gz", "Files of type '.gz' are not accepted; allowed: .tar.gz, .txt.", DisplayName = "only the last part of an allowed extension")]
    [DataRow("tar.gz", "Files of type '.gz' are not accepted", DisplayName = "the extension's text without a name before it")]
    [DataRow("README", "Files of type '(none)' are not accepted", DisplayName = "no extension")]
    public void Allowed_extensions_are_matched_at_the_end_of_the_name_as_Resumable_js_matches_them(string fileName, string? refusal)
    {
        var parser = new ChunkRequestParser(Microsoft.Extensions.Options.Options.Create(new UploadOptions
        {
            MinChunkSize = 1024, MaxChunkSize = 4096, PageChunkSize = 1024, MaxFileSize = 1_000_000, AllowedExtensions = ["tar.gz", "txt"],
        }));
        var values = Valid();
        values["resumableFilename"] = values["resumableRelativePath"] = fileName;

        var outcome = parser.Parse(values.GetValueOrDefault);

        if (refusal is null) Assert.IsNull(outcome.Rejection, outcome.Rejection?.Message);
        else StringAssert.StartsWith(outcome.Rejection?.Message, refusal);
    }

    [TestMethod]
    public void A_valid_request_becomes_one_value_with_its_byte_range()
    {
        var request = Parse().Value!;

        Assert.AreEqual(3, request.ChunkNumber);
        Assert.AreEqual(2048, request.Offset);
        Assert.AreEqual(1024, request.Length);
        Assert.AreEqual("holiday/photo.jpg", request.RelativePath);
        Assert.AreEqual("", request.ContentType, "an empty resumableType is allowed");
    }

    [TestMethod]
    public void The_last_chunk_may_be_almost_twice_the_chunk_size()
    {
        var request = Parse(p => { p["resumableChunkNumber"] = "9"; p["resumableCurrentChunkSize"] = "1808"; }).Value!;

        Assert.AreEqual(1808, request.Length);
    }

    [TestMethod]
    public void ForceChunkSize_is_recognised_from_the_count()
    {
        var request = Parse(p => { p["resumableTotalChunks"] = "10"; p["resumableChunkNumber"] = "10"; p["resumableCurrentChunkSize"] = "784"; }).Value!;

        Assert.IsTrue(request.Layout.ForceChunkSize);
    }

    [TestMethod]
    [DataRow("resumableChunkNumber", "", "resumableChunkNumber is missing.")]
    [DataRow("resumableChunkNumber", "1e3", "resumableChunkNumber must be a whole number, not '1e3'.")]
    [DataRow("resumableChunkNumber", "10", "resumableChunkNumber 10 is outside 1..9.")]
    [DataRow("resumableChunkSize", "512", "resumableChunkSize 512 is outside the accepted range of 1024 to 4096 bytes.")]
    [DataRow("resumableTotalChunks", "11", "resumableTotalChunks 11 does not fit a file of 10000 bytes in chunks of 1024 bytes (expected 9, or 10 with forceChunkSize).")]
    [DataRow("resumableTotalChunks", "2", "resumableTotalChunks 2 does not fit a file of 10000 bytes in chunks of 1024 bytes (expected 9, or 10 with forceChunkSize).")]
    [DataRow("resumableCurrentChunkSize", "1000", "resumableCurrentChunkSize 1000 is wrong: chunk 3 of this file is 1024 bytes.")]
    [DataRow("resumableFilename", " ", "resumableFilename is missing.")]
    [DataRow("resumableIdentifier", "a\nb", "resumableIdentifier contains control characters.")]
    public void Each_rule_names_what_was_wrong(string name, string value, string message)
    {
        var outcome = Parse(p => p[name] = value);

        Assert.IsNotNull(outcome.Rejection);
        Assert.AreEqual(400, outcome.Rejection.StatusCode);
        Assert.AreEqual(message, outcome.Rejection.Message);
    }

    [TestMethod]
    public void An_overlong_name_is_refused()
    {
        var outcome = Parse(p => p["resumableFilename"] = new string('a', 256));

        Assert.AreEqual("resumableFilename is longer than 255 characters.", outcome.Rejection?.Message);
    }

    [TestMethod]
    [DataRow("resumableFilename", "invoice\u202Efdp.exe", "resumableFilename contains the invisible formatting character U+202E (a bidirectional text control); rename the file without it.")]
    [DataRow("resumableFilename", "a\u2069.txt", "resumableFilename contains the invisible formatting character U+2069 (a bidirectional text control); rename the file without it.")]
    [DataRow("resumableRelativePath", "dir\u200E/a.txt", "resumableRelativePath contains the invisible formatting character U+200E (a bidirectional text control); rename the file without it.")]
    [DataRow("resumableRelativePath", "zero\u200Bwidth.txt", "resumableRelativePath contains the invisible formatting character U+200B; rename the file without it.")]
    [DataRow("resumableIdentifier", "id\uFEFF", "resumableIdentifier contains the invisible formatting character U+FEFF; rename the file without it.")]
    public void Format_characters_and_broken_Unicode_are_refused_by_name(string name, string value, string message)
    {
        var outcome = Parse(p => p[name] = value);

        Assert.AreEqual(message, outcome.Rejection?.Message);
    }

    [TestMethod]
    public void Half_a_surrogate_pair_is_not_a_name()
    {
        // Built at run time: an attribute argument cannot hold a lone surrogate.
        var outcome = Parse(p => p["resumableFilename"] = "half" + (char)0xD800 + ".txt");

        Assert.AreEqual("resumableFilename is not valid Unicode text.", outcome.Rejection?.Message);
    }

    [TestMethod]
    [DataRow("resumableFilename", "a\uFFFE.txt", "resumableFilename contains U+FFFE, a Unicode noncharacter; rename the file without it.")]
    [DataRow("resumableRelativePath", "dir/\uFDEF.txt", "resumableRelativePath contains U+FDEF, a Unicode noncharacter; rename the file without it.")]
    [DataRow("resumableType", "text/\uFFFE", "resumableType contains U+FFFE, a Unicode noncharacter; rename the file without it.")]
    [DataRow("resumableIdentifier", "1000-\U0010FFFF", "resumableIdentifier contains U+10FFFF, a Unicode noncharacter; rename the file without it.")]
    public void Unicode_noncharacters_are_refused_by_name_before_normalisation_can_throw_on_them(string name, string value, string message)
    {
        var outcome = Parse(p => p[name] = value);

        Assert.AreEqual(message, outcome.Rejection?.Message);
    }

    [TestMethod]
    public void A_count_still_being_made_is_taken_when_both_cutting_rules_give_the_same_chunks()
    {
        // 10,240 bytes in 1024-byte chunks: 10 chunks whether or not the client forces the chunk size.
        var request = Parse(p => { p["resumableTotalSize"] = "10240"; p["resumableTotalChunks"] = "3"; p["resumableChunkNumber"] = "3"; }).Value!;

        Assert.AreEqual(10, request.Layout.ChunkCount);
        Assert.AreEqual(1024, request.Length);
    }

    [TestMethod]
    public void A_count_still_being_made_is_sent_again_when_the_cutting_rule_is_not_yet_known()
    {
        var outcome = Parse(p => p["resumableTotalChunks"] = "3");

        Assert.AreEqual(503, outcome.Rejection?.StatusCode);
        Assert.AreEqual(TimeSpan.FromSeconds(1), outcome.Rejection!.RetryAfter);
        Assert.AreEqual("resumableTotalChunks 3 is short of this file's 9 chunks (10 with forceChunkSize): the client was still counting them, " +
                        "so which rule it cuts by is not known yet. Send it again.", outcome.Rejection.Message);
    }

    [TestMethod]
    public void A_file_over_the_maximum_size_is_413_naming_both_sizes()
    {
        var outcome = Parse(p => p["resumableTotalSize"] = "99999999999");

        Assert.AreEqual(413, outcome.Rejection?.StatusCode);
        Assert.AreEqual("The file is 93.1 GiB (99999999999 bytes); the largest file accepted is 976.6 KiB (1000000 bytes).", outcome.Rejection!.Message);
    }

    [TestMethod]
    public void Names_are_normalised_to_NFC_but_the_identifier_is_kept_as_sent()
    {
        var request = Parse(p =>
        {
            p["resumableFilename"] = "re\u0301sume\u0301.pdf";
            p["resumableRelativePath"] = "Cafe\u0301/re\u0301sume\u0301.pdf";
            p["resumableIdentifier"] = "10000-re\u0301sume\u0301";
        }).Value!;

        Assert.AreEqual("r\u00E9sum\u00E9.pdf", request.FileName);
        Assert.AreEqual("Caf\u00E9/r\u00E9sum\u00E9.pdf", request.RelativePath);
        Assert.AreEqual("10000-re\u0301sume\u0301", request.Identifier);
    }

    [TestMethod]
    public void An_emoji_made_of_a_surrogate_pair_is_a_valid_name()
    {
        Assert.AreEqual("\U0001F600.png", Parse(p => p["resumableFilename"] = "\U0001F600.png").Value?.FileName);
    }
}
