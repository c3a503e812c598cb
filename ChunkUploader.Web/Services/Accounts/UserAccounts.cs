using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Security;
using ChunkUploader.Web.Services.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Services.Accounts;

/// <summary>What a change to an account came to: done, or refused with a message that says why.</summary>
public sealed record AccountChange(bool Succeeded, string Message)
{
    public static AccountChange Done(string message) => new(true, message);
    public static AccountChange Refused(string message) => new(false, message);
}

/// <summary>
/// The account changes admins and operators make (role, lockout, quota), shared by the admin commands and the admin
/// users page so that both check the same rules and both leave one audit event per change.
/// </summary>
public sealed class UserAccounts(
    UserManager<IdentityUser> users, RoleManager<IdentityRole> roles, AppDbContext db, AuditLog audit, DatabaseTicketStore sessions, TimeProvider time)
{
    public Task<IdentityUser?> FindByEmailAsync(string email) => users.FindByEmailAsync(email);

    public Task<IdentityUser?> FindByIdAsync(string id) => users.FindByIdAsync(id);

    public string? UserIdOf(System.Security.Claims.ClaimsPrincipal principal) => users.GetUserId(principal);

    /// <summary>Creates a confirmed account with a random password, which is returned once and never stored in clear.</summary>
    public async Task<(AccountChange Change, string? Password)> CreateAsync(string email, string actor, CancellationToken cancellationToken)
    {
        var password = NewPassword();
        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return (Refused(created), null);
        await audit.RecordAsync(actor, "user.create", email, null, cancellationToken);
        return (AccountChange.Done($"Created {email}."), password);
    }

    public async Task<AccountChange> PromoteAsync(IdentityUser user, string actor, CancellationToken cancellationToken)
    {
        // The role normally exists from the first start; an installation set up only through commands may lack it.
        if (!await roles.RoleExistsAsync(Roles.Admin)) await roles.CreateAsync(new IdentityRole(Roles.Admin));
        if (await users.IsInRoleAsync(user, Roles.Admin)) return AccountChange.Done($"{user.Email} is already an admin.");
        var added = await users.AddToRoleAsync(user, Roles.Admin);
        if (!added.Succeeded) return Refused(added);
        await audit.RecordAsync(actor, "admin.add", user.Email!, null, cancellationToken);
        return AccountChange.Done($"{user.Email} is now an admin.");
    }

    public async Task<AccountChange> DemoteAsync(IdentityUser user, string actor, CancellationToken cancellationToken)
    {
        if (!await users.IsInRoleAsync(user, Roles.Admin)) return AccountChange.Refused($"{user.Email} is not an admin.");
        // Without an admin nobody can manage users from the pages any more; add the successor first.
        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count == 1)
            return AccountChange.Refused($"{user.Email} is the last admin; add another admin first.");
        var removed = await users.RemoveFromRoleAsync(user, Roles.Admin);
        // Their sessions carry the Admin role until the next stamp check (30 minutes): end them, as a lock does.
        if (removed.Succeeded) removed = await users.UpdateSecurityStampAsync(user);
        if (!removed.Succeeded) return Refused(removed);
        var ended = await sessions.RemoveAllOfAsync(user.Id, cancellationToken);
        await audit.RecordAsync(actor, "admin.remove", user.Email!, $"{ended} session(s) ended", cancellationToken);
        return AccountChange.Done($"{user.Email} is no longer an admin; {ended} session(s) ended.");
    }

    public async Task<IReadOnlyList<IdentityUser>> AdminsAsync() =>
        (await users.GetUsersInRoleAsync(Roles.Admin)).OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Locks the account until unlocked and ends its sessions, so that a user in the middle of an upload is stopped now,
    /// not at Identity's next security-stamp check (every 30 minutes); the stamp is renewed too.
    /// </summary>
    public async Task<AccountChange> LockAsync(IdentityUser user, string actor, CancellationToken cancellationToken)
    {
        // A lockout for wrong passwords ends by itself and leaves the sessions open: it is made a lock like any other.
        if (IsLockedUntilUnlocked(user)) return AccountChange.Done($"{user.Email} is already locked.");
        var result = await users.SetLockoutEnabledAsync(user, true);
        if (result.Succeeded) result = await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        if (result.Succeeded) result = await users.UpdateSecurityStampAsync(user);
        if (!result.Succeeded) return Refused(result);
        var ended = await sessions.RemoveAllOfAsync(user.Id, cancellationToken);
        await audit.RecordAsync(actor, "user.lock", user.Email!, $"{ended} session(s) ended", cancellationToken);
        return AccountChange.Done($"{user.Email} is locked; {ended} session(s) ended.");
    }

    public async Task<AccountChange> UnlockAsync(IdentityUser user, string actor, CancellationToken cancellationToken)
    {
        if (!IsLocked(user)) return AccountChange.Done($"{user.Email} is not locked.");
        var result = await users.SetLockoutEndDateAsync(user, null);
        if (result.Succeeded) result = await users.ResetAccessFailedCountAsync(user);
        if (!result.Succeeded) return Refused(result);
        await audit.RecordAsync(actor, "user.unlock", user.Email!, null, cancellationToken);
        return AccountChange.Done($"{user.Email} is unlocked.");
    }

    /// <summary>
    /// Gives the account a new random password, returned once, and ends its sessions: this server sends no email, so an
    /// operator resetting it is how a user who forgot theirs gets back in.
    /// </summary>
    public async Task<(AccountChange Change, string? Password)> ResetPasswordAsync(IdentityUser user, string actor, CancellationToken cancellationToken)
    {
        var password = NewPassword();
        var result = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password);
        if (!result.Succeeded) return (Refused(result), null);
        var ended = await sessions.RemoveAllOfAsync(user.Id, cancellationToken);
        await audit.RecordAsync(actor, "user.password-reset", user.Email!, $"{ended} session(s) ended", cancellationToken);
        return (AccountChange.Done($"The password of {user.Email} is reset; {ended} session(s) ended."), password);
    }

    /// <summary>
    /// Moves the account to another email, which is also its sign-in name, and ends its sessions. This server sends no
    /// email, so a user cannot confirm a new address themselves: an operator who knows them does it.
    /// </summary>
    public async Task<AccountChange> ChangeEmailAsync(IdentityUser user, string newEmail, string actor, CancellationToken cancellationToken)
    {
        var (oldEmail, oldUserName) = (user.Email!, user.UserName);
        // Addresses compare without case, so a change of case alone would only show the same account twice.
        if (await users.FindByEmailAsync(newEmail) is not null || await users.FindByNameAsync(newEmail) is not null)
            return AccountChange.Refused($"{newEmail} already belongs to an account.");
        var result = await users.SetUserNameAsync(user, newEmail);
        if (result.Succeeded)
        {
            // The token route, not SetEmailAsync, keeps the address confirmed; it renews the security stamp too.
            result = await users.ChangeEmailAsync(user, newEmail, await users.GenerateChangeEmailTokenAsync(user, newEmail));
            // Both or neither: the sign-in name and the address shown must stay the same.
            if (!result.Succeeded) await users.SetUserNameAsync(user, oldUserName);
        }
        if (!result.Succeeded) return Refused(result);
        var ended = await sessions.RemoveAllOfAsync(user.Id, cancellationToken);
        await audit.RecordAsync(actor, "user.email-change", oldEmail, $"to {newEmail}; {ended} session(s) ended", cancellationToken);
        return AccountChange.Done($"{oldEmail} now signs in as {newEmail}; {ended} session(s) ended.");
    }

    public bool IsLocked(IdentityUser user) => user.LockoutEnd is { } end && end > time.GetUtcNow();

    /// <summary>Locked by an admin (until unlocked), not merely locked out for a while after wrong passwords.</summary>
    public static bool IsLockedUntilUnlocked(DateTimeOffset? lockoutEnd) => lockoutEnd is { } end && end.Year > 9000;

    private static bool IsLockedUntilUnlocked(IdentityUser user) => IsLockedUntilUnlocked(user.LockoutEnd);

    /// <summary>Sets the user's own quota, or with <see langword="null"/> returns them to the configured default.</summary>
    public async Task<AccountChange> SetQuotaAsync(IdentityUser user, long? quotaBytes, string actor, CancellationToken cancellationToken)
    {
        var existing = await db.UserQuotas.FindAsync([user.Id], cancellationToken);
        var previous = existing?.QuotaBytes;
        if (quotaBytes is null)
        {
            if (existing is null) return AccountChange.Done($"{user.Email} already has the default quota.");
            db.UserQuotas.Remove(existing);
        }
        else if (existing is null)
            db.UserQuotas.Add(new UserQuota { UserId = user.Id, QuotaBytes = quotaBytes.Value, UpdatedAt = time.GetUtcNow().UtcDateTime, UpdatedBy = actor });
        else
        {
            existing.QuotaBytes = quotaBytes.Value;
            existing.UpdatedAt = time.GetUtcNow().UtcDateTime;
            existing.UpdatedBy = actor;
        }
        await db.SaveChangesAsync(cancellationToken);
        var detail = quotaBytes is { } bytes ? $"{bytes} bytes (was {previous?.ToString() ?? "default"})" : $"default (was {previous} bytes)";
        await audit.RecordAsync(actor, "user.quota", user.Email!, detail, cancellationToken);
        return AccountChange.Done($"Quota of {user.Email} set to {(quotaBytes is { } b ? Uploads.ByteSize.Format(b) : "the default")}.");
    }

    private static AccountChange Refused(IdentityResult result) =>
        AccountChange.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));

    /// <summary>24 random characters with every class Identity's default password rules ask for.</summary>
    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20)
        + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ", 1)
        + RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyz", 1)
        + RandomNumberGenerator.GetString("23456789", 1)
        + RandomNumberGenerator.GetString("-_!#%+", 1);
}
