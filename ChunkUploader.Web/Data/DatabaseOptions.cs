using System.ComponentModel.DataAnnotations;

namespace ChunkUploader.Web.Data;

/// <summary>Which database engine holds accounts, records, keys and coordination. Bound from the <c>Database</c> section.</summary>
public sealed record DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (embedded, zero setup, one instance) or <c>PostgreSQL</c> (several instances).</summary>
    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}
