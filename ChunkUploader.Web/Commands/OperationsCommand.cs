using System.Net.Mail;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Commands;

/// <summary>What a command runs with: the app's services (same configuration as the server), its output streams, and Ctrl+C.</summary>
public sealed record CommandContext(IServiceProvider Services, TextWriter Out, TextWriter Error, CancellationToken CancellationToken)
{
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Writes the reason to standard error and answers the failure exit code.</summary>
    public int Fail(string message)
    {
        Error.WriteLine(message);
        return OperationsCommand.Failed;
    }
}

/// <summary>
/// An operator's command run through the app itself (<c>dotnet ChunkUploader.Web.dll admin add …</c>), so it reads the
/// same configuration, database and storage root as the server. Arguments are checked before anything is opened.
/// </summary>
public abstract class OperationsCommand
{
    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int BadArguments = 2;

    public const string Usage = """
        Commands (run as: dotnet ChunkUploader.Web.dll <command>):
          admin add <email> [--create]   make a registered user an admin; --create makes the account and prints its first password
          admin remove <email>           take the admin role away (never from the last admin)
          admin list                     list the admins
          user lock <email>              lock an account until unlocked
          user unlock <email>            unlock an account
          user reset-password <email>    give an account a new random password (printed once) and end its sessions
          user change-email <email> <new-email>  move an account to another email (its sign-in name) and end its sessions
          migrate                        bring the database to the current schema
          backup <folder>                snapshot the database and copy every finished file, with a SHA-256 manifest, into a new or empty folder
          restore <folder>               restore a backup into an empty installation
          verify                         re-hash every finished file and compare with the records
        """;

    private static readonly HashSet<string> Words = ["admin", "user", "migrate", "backup", "restore", "verify"];

    /// <summary>The command the arguments name, or <see langword="null"/> when they are the web server's own arguments.</summary>
    public static OperationsCommand? Parse(string[] args)
    {
        if (args.Length == 0) return null;
        // The server's own arguments are options (--urls …) or settings (key=value). Any other first word must be a
        // command, so that a mistyped one changes nothing instead of starting a server on the installation.
        if (!Words.Contains(args[0]))
        {
            if (args[0] is "help" or "--help" or "-h" or "-?") return new HelpCommand();
            if (args[0].StartsWith('-') || args[0].Contains('=')) return null;
        }
        return args switch
        {
            ["admin", "add", var email] => Email(email, e => new AccountCommands.AddAdmin(e, create: false)),
            ["admin", "add", var email, "--create"] => Email(email, e => new AccountCommands.AddAdmin(e, create: true)),
            ["admin", "add", "--create", var email] => Email(email, e => new AccountCommands.AddAdmin(e, create: true)),
            ["admin", "remove", var email] => Email(email, e => new AccountCommands.RemoveAdmin(e)),
            ["admin", "list"] => new AccountCommands.ListAdmins(),
            ["user", "lock", var email] => Email(email, e => new AccountCommands.Lock(e)),
            ["user", "unlock", var email] => Email(email, e => new AccountCommands.Unlock(e)),
            ["user", "reset-password", var email] => Email(email, e => new AccountCommands.ResetPassword(e)),
            ["user", "change-email", var email, var newEmail] => Email(email, e => Email(newEmail, n => new AccountCommands.ChangeEmail(e, n))),
            ["migrate"] => new MigrateCommand(),
            ["backup", var folder] when IsFolder(folder) => new BackupCommand(folder),
            ["restore", var folder] when IsFolder(folder) => new RestoreCommand(folder),
            ["verify"] => new VerifyCommand(),
            _ => new UsageError($"Unknown or incomplete command: {string.Join(' ', args)}"),
        };
    }

    /// <summary>Commands keep standard output for their own answers: every log line goes to standard error.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    public async Task<int> RunAsync(IServiceProvider services)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            await using var scope = services.CreateAsyncScope();
            return await ExecuteAsync(new CommandContext(scope.ServiceProvider, Console.Out, Console.Error, cancel.Token));
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException or StorageFailedException
                                      or DbUpdateException { InnerException: SqliteException })
        {
            // The operator's environment (permissions, a full disk, a locked database): say what failed without a stack trace.
            await Console.Error.WriteLineAsync($"Failed: {(e is DbUpdateException ? e.InnerException! : e).Message}");
            return Failed;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    protected abstract Task<int> ExecuteAsync(CommandContext context);

    /// <summary>
    /// Refuses to work on a database that is missing or behind the code; only <c>migrate</c> (or a server start) changes the
    /// schema, so a mistyped path in the configuration never silently creates an empty database.
    /// </summary>
    protected static async Task<string?> SchemaProblemAsync(CommandContext context)
    {
        var db = context.Get<AppDbContext>();
        if (db.Database.IsSqlite())
        {
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (!File.Exists(file)) return $"There is no database at {file}. Run `migrate` (or start the server once) first.";
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(context.CancellationToken)).ToList();
        return pending.Count == 0 ? null : $"The database is not at the current schema ({pending.Count} migrations pending). Run `migrate` first.";
    }

    private static OperationsCommand Email(string value, Func<string, OperationsCommand> command) =>
        MailAddress.TryCreate(value, out var address) && address.Address == value
            ? command(value)
            : new UsageError($"'{value}' is not an email address.");

    /// <summary>A folder argument: not empty (an unset variable in a cron line) and not an option.</summary>
    private static bool IsFolder(string value) => !string.IsNullOrWhiteSpace(value) && !value.StartsWith('-');

    private sealed class HelpCommand : OperationsCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context)
        {
            context.Out.WriteLine(Usage);
            return Task.FromResult(Succeeded);
        }
    }

    private sealed class UsageError(string message) : OperationsCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context)
        {
            context.Error.WriteLine(message);
            context.Error.WriteLine(Usage);
            return Task.FromResult(BadArguments);
        }
    }
}

/// <summary><c>migrate</c>: what the server does on start (schema, Admin role), on its own, for deployments that start without it.</summary>
public sealed class MigrateCommand : OperationsCommand
{
    protected override async Task<int> ExecuteAsync(CommandContext context)
    {
        var db = context.Get<AppDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(context.CancellationToken)).ToList();
        await DatabaseInitializer.InitializeAsync(context.Services, context.CancellationToken);
        await context.Get<Services.Audit.AuditLog>().RecordAsync(Services.Audit.AuditLog.CommandLineActor, "database.migrate",
            "database", pending.Count == 0 ? "already current" : string.Join(", ", pending), context.CancellationToken);
        context.Out.WriteLine(pending.Count == 0 ? "The database is already at the current schema." : $"Applied {pending.Count} migrations: {string.Join(", ", pending)}.");
        return Succeeded;
    }
}
