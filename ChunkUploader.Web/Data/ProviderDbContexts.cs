using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

/// <summary>The model on SQLite; its migrations are in <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options);

/// <summary>The model on PostgreSQL; its migrations are in <c>Data/Migrations/PostgreSql</c>.</summary>
public sealed class PostgreSqlAppDbContext(DbContextOptions<PostgreSqlAppDbContext> options) : AppDbContext(options);
