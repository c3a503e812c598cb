using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

public static class DbUpdateExceptions
{
    /// <summary>Whether the update failed on a unique key (SQLite's unique or primary key constraint, PostgreSQL 23505): how a request learns it lost a race.
    /// Every other failure is a real fault and must surface.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
        DbException other => other.SqlState == "23505",
        _ => false,
    };

    /// <summary>Whether a statement failed because a row it refers to is gone (PostgreSQL 23503, SQLite's foreign-key constraint).</summary>
    public static bool IsForeignKeyViolation(this DbException exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode == 787, // SQLITE_CONSTRAINT_FOREIGNKEY
        _ => exception.SqlState == "23503",
    };
}
