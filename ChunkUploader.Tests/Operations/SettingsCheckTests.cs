using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Tests.Operations;

/// <summary>A setting the app refuses stops the server and every command at once, in a line, before anything is created.</summary>
[TestClass]
public sealed class SettingsCheckTests
{
    [TestMethod]
    [DataRow("Upload__MinChunkSize=-5", "Invalid setting in section 'Upload'", DisplayName = "a chunk size below one byte")]
    [DataRow("Upload__MinChunkSize=abc", "Invalid setting: Failed to convert configuration value 'abc' at 'Upload:MinChunkSize'", DisplayName = "a chunk size that is not a number")]
    [DataRow("Identity__RequireConfirmedAccount=true", "Invalid setting in section 'Identity'", DisplayName = "email confirmation without email")]
    [DataRow("Database__Provider=MySql", "Invalid setting: Failed to convert configuration value 'MySql' at 'Database:Provider'", DisplayName = "a database engine the app does not know")]
    [DataRow("Database__Provider=PostgreSQL", "Invalid setting ConnectionStrings:Default: it is not a PostgreSQL connection string", DisplayName = "PostgreSQL with a SQLite connection string")]
    [DataRow("Database__Provider=PostgreSQL;ConnectionStrings__Default=", "Invalid setting ConnectionStrings:Default: Database:Provider is PostgreSQL, so it must be set", DisplayName = "PostgreSQL without a connection string")]
    [DataRow("ConnectionStrings__Default=Host=db", "Invalid setting ConnectionStrings:Default: it is not a Sqlite connection string", DisplayName = "SQLite with a PostgreSQL connection string")]
    public async Task A_refused_setting_stops_the_server_and_a_command_in_one_line_before_the_database_is_made(string refused, string message)
    {
        using var site = new Installation("bad-setting");
        // key=value;key=value, split at the first '=' of each
        var settings = refused.Split(';').Select(setting => setting.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPort.Free()}";

        var server = await site.RunAsync(settings);
        var command = await site.RunAsync(settings, "migrate");

        foreach (var result in new[] { server, command })
        {
            Assert.AreEqual(1, result.ExitCode, result.ToString());
            StringAssert.StartsWith(result.Error, message, result.ToString());
            Assert.IsFalse(result.Error.Contains("   at "), "no stack trace: " + result.Error);
        }
        Assert.IsFalse(File.Exists(site.DatabaseFile), "no database made or migrated");
    }

    [TestMethod]
    public async Task A_storage_root_that_cannot_be_used_stops_the_server_in_one_line()
    {
        using var site = new Installation("file-as-root");
        var blocker = site.Sibling("a-file");
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        await File.WriteAllTextAsync(blocker, "not a folder");
        var settings = new Dictionary<string, string>
        {
            ["Storage__Root"] = blocker,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPort.Free()}",
        };

        var server = await site.RunAsync(settings);

        Assert.AreEqual(1, server.ExitCode, server.ToString());
        StringAssert.StartsWith(server.Error, $"Storage:Root '{blocker}' cannot be used", server.ToString());
    }
}
