using ChunkUploader.Web.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Brings the database to the current schema at start, makes the Admin role, and in Development seeds the two known
/// accounts. On PostgreSQL, where several instances may start at the same moment, all of it runs under an advisory lock.
/// </summary>
public static partial class DatabaseInitializer
{
    /// <summary>An arbitrary constant that names the start-up lock among the database's advisory locks ("ChunkUpl" in ASCII).</summary>
    private const long StartupLockKey = 0x4368756E6B55706C;

    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<AppDbContext>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));

        if (db.Database.IsSqlite())
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory) Directory.CreateDirectory(directory);
            await db.Database.MigrateAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken); // readers never wait for the chunk writers
            await SeedAsync(provider, logger);
            return;
        }

        // Without the lock two instances would both create the migrations history table or run the same migration, and
        // both insert the Admin role (the loser failing on the unique name). The lock is session-level and held on this
        // context's own connection, which the migrator and the role and user managers then use too; it goes away with
        // the connection, so a process killed while migrating never leaves it held. The database itself must exist.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({StartupLockKey})", cancellationToken);
            LogStartupLockTaken(logger);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
                await SeedAsync(provider, logger);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({StartupLockKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task SeedAsync(IServiceProvider provider, ILogger logger)
    {
        var roles = provider.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync(Roles.Admin))
            await roles.CreateAsync(new IdentityRole(Roles.Admin));

        if (provider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            var seed = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SeedOptions>>().Value;
            var users = provider.GetRequiredService<UserManager<IdentityUser>>();
            if (seed.Admin is { } admin) await EnsureAccountAsync(users, logger, admin, Roles.Admin);
            if (seed.User is { } user) await EnsureAccountAsync(users, logger, user, role: null);
        }
    }

    private static async Task EnsureAccountAsync(UserManager<IdentityUser> users, ILogger logger, SeedAccount account, string? role)
    {
        var user = await users.FindByEmailAsync(account.Email);
        if (user is null)
        {
            user = new IdentityUser { UserName = account.Email, Email = account.Email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, account.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException($"Seeding {account.Email} failed: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            LogSeeded(logger, account.Email);
        }
        if (role is not null && !await users.IsInRoleAsync(user, role))
            await users.AddToRoleAsync(user, role);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Took the start-up lock; migrating the PostgreSQL database")]
    private static partial void LogStartupLockTaken(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded development account {Email}")]
    private static partial void LogSeeded(ILogger logger, string email);
}
