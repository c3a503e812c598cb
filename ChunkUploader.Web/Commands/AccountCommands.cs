using ChunkUploader.Web.Services.Accounts;
using ChunkUploader.Web.Services.Audit;
using Microsoft.AspNetCore.Identity;

namespace ChunkUploader.Web.Commands;

/// <summary>The <c>admin …</c> and <c>user …</c> commands: thin shells over <see cref="UserAccounts"/>, which audits each change.</summary>
public static class AccountCommands
{
    public sealed class AddAdmin(string email, bool create) : AccountCommand
    {
        protected override async Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts)
        {
            var user = await accounts.FindByEmailAsync(email);
            string? password = null;
            if (user is null)
            {
                if (!create) return context.Fail($"No account has the email {email}. Let them register first, or run `admin add {email} --create`.");
                (var created, password) = await accounts.CreateAsync(email, AuditLog.CommandLineActor, context.CancellationToken);
                if (!created.Succeeded) return context.Fail($"Could not create {email}: {created.Message}");
                context.Out.WriteLine(created.Message);
                user = (await accounts.FindByEmailAsync(email))!;
            }
            // Whoever registered that address would otherwise become admin: --create makes a new account, nothing else.
            else if (create) return context.Fail($"{email} already has an account, which --create does not take over. If it is theirs, run `admin add {email}`.");

            var promoted = await accounts.PromoteAsync(user, AuditLog.CommandLineActor, context.CancellationToken);
            if (!promoted.Succeeded) return context.Fail(promoted.Message);
            context.Out.WriteLine(promoted.Message);
            if (password is not null)
            {
                context.Out.WriteLine($"Password: {password}");
                context.Out.WriteLine("It is shown only now. Sign in with it and change it under Account > Password (/Identity/Account/Manage/ChangePassword).");
            }
            return OperationsCommand.Succeeded;
        }
    }

    public sealed class RemoveAdmin(string email) : AccountCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts) =>
            ChangeAsync(context, accounts, email, (user, ct) => accounts.DemoteAsync(user, AuditLog.CommandLineActor, ct));
    }

    public sealed class Lock(string email) : AccountCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts) =>
            ChangeAsync(context, accounts, email, (user, ct) => accounts.LockAsync(user, AuditLog.CommandLineActor, ct));
    }

    public sealed class Unlock(string email) : AccountCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts) =>
            ChangeAsync(context, accounts, email, (user, ct) => accounts.UnlockAsync(user, AuditLog.CommandLineActor, ct));
    }

    public sealed class ResetPassword(string email) : AccountCommand
    {
        protected override async Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts)
        {
            if (await accounts.FindByEmailAsync(email) is not { } user) return context.Fail($"No account has the email {email}.");
            var (reset, password) = await accounts.ResetPasswordAsync(user, AuditLog.CommandLineActor, context.CancellationToken);
            if (!reset.Succeeded) return context.Fail(reset.Message);
            context.Out.WriteLine(reset.Message);
            context.Out.WriteLine($"Password: {password}");
            context.Out.WriteLine("It is shown only now. Give it to them; they change it under Account > Password (/Identity/Account/Manage/ChangePassword).");
            return OperationsCommand.Succeeded;
        }
    }

    public sealed class ChangeEmail(string email, string newEmail) : AccountCommand
    {
        protected override Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts) =>
            ChangeAsync(context, accounts, email, (user, ct) => accounts.ChangeEmailAsync(user, newEmail, AuditLog.CommandLineActor, ct));
    }

    public sealed class ListAdmins : AccountCommand
    {
        protected override async Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts)
        {
            var admins = await accounts.AdminsAsync();
            if (admins.Count == 0) context.Out.WriteLine("There are no admins. Add one with `admin add <email>`.");
            foreach (var admin in admins)
                context.Out.WriteLine(accounts.IsLocked(admin) ? $"{admin.Email} (locked)" : admin.Email);
            return OperationsCommand.Succeeded;
        }
    }

    /// <summary>A command on accounts: the schema is checked first, so a missing database is reported rather than created.</summary>
    public abstract class AccountCommand : OperationsCommand
    {
        protected sealed override async Task<int> ExecuteAsync(CommandContext context)
        {
            if (await SchemaProblemAsync(context) is { } problem) return context.Fail(problem);
            return await ExecuteAsync(context, context.Get<UserAccounts>());
        }

        protected abstract Task<int> ExecuteAsync(CommandContext context, UserAccounts accounts);

        protected static async Task<int> ChangeAsync(
            CommandContext context, UserAccounts accounts, string email, Func<IdentityUser, CancellationToken, Task<AccountChange>> change)
        {
            var user = await accounts.FindByEmailAsync(email);
            if (user is null) return context.Fail($"No account has the email {email}.");
            var result = await change(user, context.CancellationToken);
            if (!result.Succeeded) return context.Fail(result.Message);
            context.Out.WriteLine(result.Message);
            return OperationsCommand.Succeeded;
        }
    }
}
