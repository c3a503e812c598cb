using ChunkUploader.Web.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Data;

/// <summary>Brings the database to the current schema at start, and in Development seeds the two known accounts.</summary>
public static partial class DatabaseInitializer
{
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<AppDbContext>();

        if (db.Database.IsSqlite())
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory) Directory.CreateDirectory(directory);
        }
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken); // readers never wait for the chunk writers

        var roles = provider.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync(Roles.Admin))
            await roles.CreateAsync(new IdentityRole(Roles.Admin));

        if (provider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            var seed = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SeedOptions>>().Value;
            var users = provider.GetRequiredService<UserManager<IdentityUser>>();
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded development account {Email}")]
    private static partial void LogSeeded(ILogger logger, string email);
}
