using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChunkUploader.Tests.Api;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary>
/// A backup of a running server with an upload in progress, restored into a new installation that a new server serves;
/// and restores that must change nothing: a damaged backup, a target that cannot be written, a failure midway.
/// </summary>
[TestClass]
public sealed class BackupRestoreTests
{
    [TestMethod]
    public async Task A_backup_taken_during_an_upload_restores_every_completed_file_byte_identical_with_its_history()
    {
        using var original = new Installation("original");
        using var restored = new Installation("restored");
        var backup = original.Sibling("backup");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        var big = TestFile.Random(1_500_000, 256 * 1024, "big.bin");
        var small = TestFile.Random(100_000, 64 * 1024, "small.bin");
        var unfinished = TestFile.Random(600_000, 64 * 1024, "unfinished.bin");
        var completeIds = new Dictionary<Guid, TestFile>();

        await using (var server = await original.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            foreach (var file in new[] { big, small })
            {
                var id = UploadEndpointTests.SingleCompletion(await session.UploadAsync(file));
                await session.WaitForHashAsync(id);
                completeIds[id] = file;
            }
            await session.UploadAsync(unfinished, [1, 2]);

            var backedUp = await original.RunSuccessfullyAsync("backup", backup);
            StringAssert.Contains(backedUp.Output, "2 files");
        }

        var manifest = (await File.ReadAllLinesAsync(Path.Combine(backup, "manifest.sha256"))).Where(l => l.Contains("  files/")).Select(l => l.Split("  ")[0]).ToList();
        CollectionAssert.AreEquivalent(new[] { big.Sha256, small.Sha256 }, manifest);

        var restoredRun = await restored.RunSuccessfullyAsync("restore", backup);
        StringAssert.Contains(restoredRun.Output, "1 uploads that were in progress are marked Expired");
        Assert.AreEqual(0L, await restored.ScalarAsync("SELECT count(*) FROM \"UploadChunks\""), "the expired upload's chunk rows went with it");
        var again = await restored.RunAsync("restore", backup);
        Assert.AreEqual(1, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Error, "not empty");

        await using var newServer = await restored.StartServerAsync(user);
        using var newSession = await AppFixture.SignInAsync(newServer.BaseAddress, user);
        var history = (await newSession.UploadsAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.AreEqual(3, history.Count, "every upload's record came back");
        Assert.AreEqual("Expired", Single(history, unfinished.Name).GetProperty("status").GetString());
        foreach (var (id, file) in completeIds)
        {
            var record = Single(history, file.Name);
            Assert.AreEqual(id.ToString(), record.GetProperty("id").GetString());
            Assert.AreEqual("Complete", record.GetProperty("status").GetString());
            Assert.AreEqual(file.Sha256, record.GetProperty("sha256").GetString());
            using var download = await newSession.Client.GetAsync($"Uploads/{id}/download");
            Assert.AreEqual(HttpStatusCode.OK, download.StatusCode);
            Assert.AreEqual(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync())), file.Name);
        }
    }

    [TestMethod]
    public async Task A_restore_refuses_a_backup_that_no_longer_matches_its_manifest_and_writes_nothing()
    {
        using var original = new Installation("damaged-source");
        using var target = new Installation("damaged-target");
        var backup = original.Sibling("backup");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        await using (var server = await original.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            await session.WaitForHashAsync(UploadEndpointTests.SingleCompletion(await session.UploadAsync(TestFile.Random(200_000, 64 * 1024, "kept.bin"))));
        }
        await original.RunSuccessfullyAsync("backup", backup);
        var copied = Directory.EnumerateFiles(Path.Combine(backup, "files"), "*", SearchOption.AllDirectories).Single();
        await using (var stream = File.OpenWrite(copied)) stream.WriteByte(0xFF);

        var refused = await target.RunAsync("restore", backup);

        Assert.AreEqual(1, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "does not match its manifest");
        StringAssert.Contains(refused.Error, "ALTERED");
        Assert.IsFalse(File.Exists(target.DatabaseFile), "nothing was restored");
        Assert.IsFalse(Directory.Exists(Path.Combine(target.StorageRoot, "files")));
    }

    [TestMethod]
    public async Task A_backup_lists_its_database_in_the_manifest_so_that_sha256sum_finds_damage_to_it()
    {
        using var original = new Installation("manifest");
        var (backup, _) = await BackUpAsync(original, 100_000);
        var database = Path.Combine(backup, "chunkuploader.db");

        var line = (await File.ReadAllLinesAsync(Path.Combine(backup, "manifest.sha256"))).SingleOrDefault(l => l.EndsWith("  chunkuploader.db"));
        var sha256 = Sha256Of(database);
        var intact = await Sha256SumCheckAsync(backup);
        FlipByteInTheMiddle(database);
        var damaged = await Sha256SumCheckAsync(backup);

        Assert.AreEqual($"{sha256}  chunkuploader.db", line);
        Assert.AreEqual(0, intact.ExitCode, intact.ToString());
        Assert.AreNotEqual(0, damaged.ExitCode, damaged.ToString());
        StringAssert.Contains(damaged.Output, "chunkuploader.db: FAILED");
    }

    [TestMethod]
    public async Task Restore_of_a_backup_whose_database_is_damaged_changes_nothing_and_says_why()
    {
        using var original = new Installation("damaged-db-source");
        using var target = new Installation("damaged-db-target");
        var (backup, _) = await BackUpAsync(original, 100_000);
        FlipByteInTheMiddle(Path.Combine(backup, "chunkuploader.db"));

        var refused = await target.RunAsync("restore", backup);

        AssertRefused(refused, "does not match its manifest");
        StringAssert.Contains(refused.Error, "ALTERED  chunkuploader.db");
        Assert.IsFalse(Directory.Exists(target.StorageRoot), "nothing was written, not even the storage root");
    }

    [TestMethod]
    public async Task Restore_while_a_server_runs_on_the_installation_changes_nothing_and_says_so()
    {
        using var original = new Installation("running-source");
        using var target = new Installation("running-target");
        var (backup, _) = await BackUpAsync(original, 100_000);
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        await using var server = await target.StartServerAsync(user);
        var before = Entries(target.StorageRoot, exceptSqliteSideFiles: true);

        var refused = await target.RunAsync("restore", backup);

        AssertRefused(refused, "A server is running on this installation");
        CollectionAssert.AreEquivalent(before, Entries(target.StorageRoot, exceptSqliteSideFiles: true), "nothing written");
    }

    [TestMethod]
    public async Task Restore_of_an_older_backup_without_the_database_line_refuses_a_damaged_or_emptied_database_and_restores_an_intact_one()
    {
        using var original = new Installation("older-source");
        using var target = new Installation("older-target");
        var (backup, files) = await BackUpAsync(original, 100_000);
        var manifest = Path.Combine(backup, "manifest.sha256");
        // As backups before the database was listed were written: only the files.
        await File.WriteAllLinesAsync(manifest, (await File.ReadAllLinesAsync(manifest)).Where(l => !l.EndsWith("  chunkuploader.db")));
        var database = Path.Combine(backup, "chunkuploader.db");
        var intact = await File.ReadAllBytesAsync(database);

        // Every page after the first zeroed: the tables sqlite_master names are gone, the file still opens.
        await File.WriteAllBytesAsync(database, [.. intact.AsSpan(0, 4096), .. new byte[intact.Length - 4096]]);
        var damaged = await target.RunAsync("restore", backup);
        Assert.IsFalse(Directory.Exists(target.StorageRoot), "nothing was written for the damaged database");
        // An empty file is an empty SQLite database to SQLite: it passes an integrity check, and would restore nothing.
        await File.WriteAllBytesAsync(database, []);
        var emptied = await target.RunAsync("restore", backup);
        Assert.IsFalse(Directory.Exists(target.StorageRoot), "nothing was written for the emptied database");
        await File.WriteAllBytesAsync(database, intact);
        var restored = await target.RunAsync("restore", backup);

        AssertRefused(damaged, "chunkuploader.db is damaged");
        AssertRefused(emptied, "chunkuploader.db holds no ChunkUploader database");
        Assert.AreEqual(0, restored.ExitCode, restored.ToString());
        StringAssert.Contains(restored.Output, "1 files");
        AssertStored(target.StorageRoot, files);
    }

    [TestMethod]
    public async Task Restore_into_a_storage_root_that_cannot_be_written_changes_nothing_and_says_why()
    {
        using var original = new Installation("unwritable-source");
        using var target = new Installation("unwritable-target");
        var (backup, _) = await BackUpAsync(original, 100_000);
        // A regular file where a folder above the storage root must be: even root cannot make the root there.
        var blocker = target.Sibling("not-a-folder");
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "a file, not a folder");
        var storageRoot = Path.Combine(blocker, "storage");

        var refused = await target.RunAsync(new Dictionary<string, string> { ["Storage__Root"] = storageRoot }, "restore", backup);

        Assert.IsFalse(Directory.Exists(target.StorageRoot), $"the database was not restored (nor its folder made): {refused}");
        AssertRefused(refused, $"Storage:Root '{storageRoot}' cannot be written");
    }

    [TestMethod]
    public async Task A_restore_that_fails_while_putting_the_files_in_place_is_undone_and_a_second_restore_succeeds()
    {
        using var original = new Installation("undone-source");
        using var target = new Installation("undone-target");
        var (backup, files) = await BackUpAsync(original, 100_000, 200_000);
        // An empty installation, as `migrate` leaves it (restore replaces its database) ...
        await target.RunSuccessfullyAsync("migrate");
        var emptyDatabase = Sha256Of(target.DatabaseFile);
        // ... but with a regular file where the folder of finished files goes: its files cannot be put in place.
        var blocker = Path.Combine(target.StorageRoot, "files");
        await File.WriteAllTextAsync(blocker, "a file, not a folder");
        var before = Entries(target.StorageRoot, exceptSqliteSideFiles: true);

        var failed = await target.RunAsync("restore", backup);

        Assert.AreEqual(emptyDatabase, Sha256Of(target.DatabaseFile), $"the empty database is back as it was: {failed}");
        CollectionAssert.AreEquivalent(before, Entries(target.StorageRoot, exceptSqliteSideFiles: true), "no leftovers of the failed attempt");
        AssertRefused(failed, "nothing was restored");
        File.Delete(blocker);
        var second = await target.RunAsync("restore", backup);
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        AssertStored(target.StorageRoot, files);
    }

    [TestMethod]
    public async Task A_restore_whose_storage_volume_fills_up_midway_leaves_the_target_as_it_was_and_can_be_run_again()
    {
        using var original = new Installation("full-source");
        using var target = new Installation("full-target");
        var (backup, files) = await BackUpAsync(original, 1_200_000, 1_200_000);
        // The storage root on a 2 MiB tmpfs: the first file fits, the second does not. The database is elsewhere.
        await using var volume = await SmallVolume.MountAsync(target.Sibling("volume"), 2);
        var onVolume = new Dictionary<string, string> { ["Storage__Root"] = volume.Path };
        var failed = await target.RunAsync(onVolume, "restore", backup);

        Assert.IsFalse(File.Exists(target.DatabaseFile), $"the database was not put in place: {failed}");
        Assert.IsEmpty(Entries(volume.Path), "the part copied before the volume filled up is gone");
        AssertRefused(failed, "nothing was restored");

        await volume.GrowAsync(8);
        var second = await target.RunAsync(onVolume, "restore", backup);
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        AssertStored(volume.Path, files);
        var verified = await target.RunAsync(onVolume, "verify");
        Assert.AreEqual(0, verified.ExitCode, verified.ToString());
    }

    [TestMethod]
    // The renames: the empty database and its -wal and -shm aside (the restore's read-only look made those), the files
    // folder in, the database in.
    [DataRow(1, DisplayName = "killed before the empty database is moved aside")]
    [DataRow(2, DisplayName = "killed between moving the empty database and its journal aside")]
    [DataRow(4, DisplayName = "killed before the files are put in place")]
    [DataRow(5, DisplayName = "killed before the database is put in place")]
    public async Task A_restore_killed_while_putting_the_backup_in_place_blocks_every_start_until_the_next_restore_finishes_it(int killedAtRename)
    {
        using var original = new Installation("killed-source");
        using var target = new Installation("killed-target");
        var (backup, files) = await BackUpAsync(original, 100_000, 200_000);
        await target.RunSuccessfullyAsync("migrate"); // an empty database to replace

        var killed = await target.RunKilledAtRenameAsync(killedAtRename, "restore", backup);
        Assert.AreEqual(137, killed.ExitCode, $"killed by SIGKILL: {killed}");

        // Started on half a restore, a server would make a new database and its sweep would delete the restored files.
        var server = await target.RunAsync(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPort.Free()}" });
        var verify = await target.RunAsync("verify");
        foreach (var refused in new[] { server, verify })
            AssertRefused(refused, $"A restore of {backup} was interrupted while it put the backup in place: run `restore {backup}` again to finish it.");

        var finished = await target.RunAsync("restore", backup);
        Assert.AreEqual(0, finished.ExitCode, finished.ToString());
        StringAssert.Contains(finished.Output, $"Finished the restore of {backup}, which was interrupted");
        AssertStored(target.StorageRoot, files);
        var verified = await target.RunAsync("verify");
        Assert.AreEqual(0, verified.ExitCode, verified.ToString());
        Assert.IsFalse(Entries(target.StorageRoot).Any(entry => entry.Contains(".restoring")), "no staging folder is left");
    }

    /// <summary>A server's installation with finished, hashed files of the given sizes, backed up; the backup folder and the files.</summary>
    private static async Task<(string Backup, TestFile[] Files)> BackUpAsync(Installation original, params long[] sizes)
    {
        var backup = original.Sibling("backup");
        var user = new TestUser("", $"owner-{Guid.NewGuid():N}@ops.test", "Owner-Pass-1234!");
        var files = sizes.Select((size, i) => TestFile.Random(size, 256 * 1024, $"file-{i}.bin")).ToArray();
        await using (var server = await original.StartServerAsync(user))
        {
            using var session = await AppFixture.SignInAsync(server.BaseAddress, user);
            foreach (var file in files)
                await session.WaitForHashAsync(UploadEndpointTests.SingleCompletion(await session.UploadAsync(file)));
        }
        await original.RunSuccessfullyAsync("backup", backup);
        return (backup, files);
    }

    /// <summary>Refused with exit code 1 and the reason in a sentence, not a stack trace.</summary>
    private static void AssertRefused(CommandResult result, string reason)
    {
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, reason, result.ToString());
        Assert.IsFalse(result.Error.Contains("   at "), result.ToString());
    }

    /// <summary>The finished files under a storage root are exactly <paramref name="files"/>, byte for byte.</summary>
    private static void AssertStored(string storageRoot, params TestFile[] files) =>
        CollectionAssert.AreEquivalent(files.Select(f => f.Sha256).ToList(),
            Directory.EnumerateFiles(Path.Combine(storageRoot, "files"), "*", SearchOption.AllDirectories).Select(Sha256Of).ToList());

    /// <summary>
    /// Every file and folder under <paramref name="folder"/>; without the -wal and -shm files that SQLite makes beside a
    /// WAL database for any reader (the emptiness check is one), when asked.
    /// </summary>
    private static List<string> Entries(string folder, bool exceptSqliteSideFiles = false) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Where(e => !exceptSqliteSideFiles || !(e.EndsWith("-wal") || e.EndsWith("-shm"))).ToList();

    private static string Sha256Of(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>One flipped bit, as bit rot would do: SQLite would still open the file.</summary>
    private static void FlipByteInTheMiddle(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        var original = stream.ReadByte();
        stream.Position = stream.Length / 2;
        stream.WriteByte((byte)(original ^ 0x01));
    }

    private static async Task<CommandResult> Sha256SumCheckAsync(string folder) => await RunAsync("sha256sum", folder, "-c", "manifest.sha256");

    private static async Task<CommandResult> RunAsync(string program, string workingDirectory, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CommandResult(process.ExitCode, await output, await error);
    }

    private static JsonElement Single(List<JsonElement> history, string name) =>
        history.Single(u => u.GetProperty("fileName").GetString() == name);
}
