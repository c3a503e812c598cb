using System.Net;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Api;

/// <summary><c>Upload:AllowedTypes</c> on an app of its own: the extension is checked at the first chunk, the leading bytes after assembly.</summary>
[TestClass]
public sealed class AllowedContentTests
{
    private static AppFixture _app = null!;

    [ClassInitialize]
    public static void Start(TestContext _) =>
        _app = AppFixture.StartSeparate(new Dictionary<string, string>
        {
            ["Upload:AllowedTypes:0"] = "image/*",
            ["Upload:AllowedTypes:1"] = "application/pdf",
        });

    [ClassCleanup]
    public static async Task Stop()
    {
        var errors = _app.ServerErrors.Errors.ToList();
        await _app.StopAndCleanAsync();
        Assert.IsEmpty(errors, string.Join("\n", errors));
    }

    [TestMethod]
    public async Task A_name_of_a_type_not_allowed_is_refused_at_the_first_chunk()
    {
        using var session = await _app.NewSessionAsync();
        var file = TestFile.Random(2048, 1024, "setup.exe");
        using var probe = await session.ProbeAsync(file, 1);
        using var refused = await session.SendChunkAsync(file, 1);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, probe.StatusCode, "the probe says so before the chunk is sent");
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "not accepted");
        Assert.AreEqual(0, (await session.UploadsAsync()).GetProperty("totalCount").GetInt32());
    }

    [TestMethod]
    [DataRow(1024, DisplayName = "four chunks, assembled")]
    [DataRow(8192, DisplayName = "one chunk, received whole")]
    public async Task An_executable_named_like_a_picture_is_rejected_after_assembly_and_its_file_removed(int chunkSize)
    {
        using var session = await _app.NewSessionAsync();
        var bytes = new byte[4096];
        Random.Shared.NextBytes(bytes);
        "\u007fELF"u8.CopyTo(bytes);
        var file = new TestFile(bytes, "holiday.png", chunkSize);

        await session.UploadAsync(file, file.Numbers.SkipLast(1));
        using var last = await session.SendChunkAsync(file, file.ChunkCount);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, last.StatusCode);
        StringAssert.Contains(await last.Content.ReadAsStringAsync(), "application/x-executable");
        var record = (await session.UploadsAsync()).GetProperty("items")[0];
        Assert.AreEqual("Rejected", record.GetProperty("status").GetString());
        Assert.IsFalse(File.Exists(_app.StoredFile(session.User.Id, record.GetProperty("id").GetGuid())), "the file is removed");
        StringAssert.Contains(await session.Client.GetStringAsync("Uploads"), "application/x-executable", "My uploads says why it was rejected");
    }

    [TestMethod]
    public async Task A_script_named_like_an_icon_is_rejected_after_assembly()
    {
        using var session = await _app.NewSessionAsync();
        var file = new TestFile("#!/bin/sh\nrm -rf ~\n"u8.ToArray(), "favicon.ico", 1024);

        using var answer = await session.SendChunkAsync(file, 1);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
        StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "does not look like image/x-icon");
    }

    [TestMethod]
    [DataRow(1024, DisplayName = "four chunks, assembled")]
    [DataRow(8192, DisplayName = "one chunk, received whole")]
    public async Task A_real_picture_completes(int chunkSize)
    {
        using var session = await _app.NewSessionAsync();
        var bytes = new byte[4096];
        Random.Shared.NextBytes(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        var file = new TestFile(bytes, "holiday.png", chunkSize);

        var answers = await session.UploadAsync(file);

        Assert.AreEqual("Complete", (await session.WaitForHashAsync(UploadEndpointTests.SingleCompletion(answers))).GetProperty("status").GetString());
    }
}
