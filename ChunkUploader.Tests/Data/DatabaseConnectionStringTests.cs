using ChunkUploader.Web.Data;
using Npgsql;

namespace ChunkUploader.Tests.Data;

[TestClass]
public sealed class DatabaseConnectionStringTests
{
    [TestMethod]
    public void PostgreSQL_prepares_repeated_statements_by_default()
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgreSqlConnectionString("Host=db;Database=uploads"));
        Assert.AreEqual(50, connection.MaxAutoPrepare);
        Assert.AreEqual(2, connection.AutoPrepareMinUsages);
        Assert.IsTrue(connection.NoResetOnClose, "the app leaves no session state to reset");
        Assert.AreEqual("db", connection.Host);
    }

    [TestMethod]
    [DataRow("Host=db;No Reset On Close=false")]
    [DataRow("Host=db;NoResetOnClose=false")]
    public void A_connection_string_that_asks_for_the_reset_keeps_it(string configured)
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgreSqlConnectionString(configured));
        Assert.IsFalse(connection.NoResetOnClose);
        Assert.AreEqual(50, connection.MaxAutoPrepare);
    }

    [TestMethod]
    [DataRow("Host=db;Max Auto Prepare=0")]
    [DataRow("Host=db;MaxAutoPrepare=0")]
    [DataRow("Host=db;max auto prepare=0")]
    public void A_connection_string_that_sets_automatic_preparation_keeps_it(string configured)
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgreSqlConnectionString(configured));
        Assert.AreEqual(0, connection.MaxAutoPrepare, "turned off, for a pooler that cannot keep prepared statements");
    }

    [TestMethod]
    public void A_connection_string_that_sets_only_the_minimum_usages_keeps_it()
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgreSqlConnectionString("Host=db;Auto Prepare Min Usages=7"));
        Assert.AreEqual((50, 7), (connection.MaxAutoPrepare, connection.AutoPrepareMinUsages));
    }

    [TestMethod]
    [DataRow("Data Source=data/app.db", true)]
    [DataRow("Data Source=:memory:", false)]
    [DataRow("Data Source=shared;Mode=Memory;Cache=Shared", false)]
    public void Prepared_reads_serve_only_a_database_file(string connectionString, bool served)
    {
        Assert.AreEqual(served, SqlitePreparedReads.CanServe(connectionString));
    }

    [TestMethod]
    public void SQLite_lives_under_the_content_root_and_waits_for_its_write_lock()
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(DatabaseServiceCollectionExtensions.SqliteConnectionString(null, "/srv/app"));
        Assert.AreEqual("/srv/app/data/chunkuploader.db", connection.DataSource);
        Assert.IsTrue(connection.DefaultTimeout >= 30);
    }
}
