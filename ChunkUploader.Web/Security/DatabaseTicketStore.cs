using System.Security.Claims;
using System.Security.Cryptography;
using ChunkUploader.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace ChunkUploader.Web.Security;

/// <summary>
/// Keeps authentication tickets in the database (<see cref="UserSession"/>) instead of in the cookie. Sign-out removes
/// the row, so a cookie copied before sign-out no longer signs anyone in, on any instance that shares the database.
/// </summary>
/// <remarks>
/// Every request reads its session, so a session read from the database is remembered for <see cref="RecentReadLifetime"/>:
/// this instance forgets it at once on sign-out or renewal, another instance within that time.
/// </remarks>
public sealed class DatabaseTicketStore(IServiceScopeFactory scopes, TimeProvider clock, IMemoryCache cache) : ITicketStore
{
    public static readonly TimeSpan RecentReadLifetime = TimeSpan.FromSeconds(5);

    /// <summary>Counts sessions ended or changed here; a read that saw it move while it ran does not keep what it read.</summary>
    private long _changes;

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var session = new UserSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(UserSession.IdLength / 2)),
            UserId = ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
            Ticket = TicketSerializer.Default.Serialize(ticket),
            ExpiresAt = ticket.Properties.ExpiresUtc?.UtcDateTime,
            UpdatedAt = now,
        };
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Sessions nobody signed out of would otherwise pile up; this user's expired ones go when they sign in again.
        await db.UserSessions.Where(s => s.UserId == session.UserId && s.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return session.Id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var bytes = TicketSerializer.Default.Serialize(ticket);
        var expiresAt = ticket.Properties.ExpiresUtc?.UtcDateTime;
        var now = clock.GetUtcNow().UtcDateTime;
        cache.Remove(CacheKey(key));
        await using var scope = scopes.CreateAsyncScope();
        // An update, never an insert: a session signed out meanwhile must stay gone.
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.Where(s => s.Id == key)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Ticket, bytes).SetProperty(x => x.ExpiresAt, expiresAt).SetProperty(x => x.UpdatedAt, now), cancellationToken);
        Forget(key);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        if (key.Length != UserSession.IdLength) return null;
        if (!cache.TryGetValue(CacheKey(key), out RecentSession? recent))
        {
            var changes = Interlocked.Read(ref _changes);
            await using var scope = scopes.CreateAsyncScope();
            var session = await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.AsNoTracking()
                .SingleOrDefaultAsync(s => s.Id == key, cancellationToken);
            if (session is null) return null;
            recent = new RecentSession(TicketSerializer.Default.Deserialize(session.Ticket), session.ExpiresAt);
            cache.Set(CacheKey(key), recent, RecentReadLifetime);
            // A session ended while this read ran: the read may have remembered it after the end forgot it.
            if (Interlocked.Read(ref _changes) != changes) cache.Remove(CacheKey(key));
        }
        if (recent is not { Ticket: { } ticket } || recent.ExpiresAt < clock.GetUtcNow().UtcDateTime) return null;
        // The handler may change the ticket it is given (a renewal sets new times), so each request gets its own copy.
        return ticket.Clone();
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        cache.Remove(CacheKey(key));
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.Where(s => s.Id == key).ExecuteDeleteAsync(cancellationToken);
        Forget(key);
    }

    /// <summary>
    /// Ends every session of <paramref name="userId"/> (a locked account): its cookies stop working at once on this
    /// instance and within <see cref="RecentReadLifetime"/> on the others, as with signing out.
    /// </summary>
    public async Task<int> RemoveAllOfAsync(string userId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sessions = scope.ServiceProvider.GetRequiredService<AppDbContext>().UserSessions.Where(s => s.UserId == userId);
        var keys = await sessions.Select(s => s.Id).ToListAsync(cancellationToken);
        var removed = await sessions.ExecuteDeleteAsync(cancellationToken);
        foreach (var key in keys) Forget(key);
        return removed;
    }

    /// <summary>After the database changed: forget the session, and make any read still running forget it too.</summary>
    private void Forget(string key)
    {
        Interlocked.Increment(ref _changes);
        cache.Remove(CacheKey(key));
    }

    private static string CacheKey(string key) => "session:" + key;

    /// <summary>A session as read, its ticket already deserialised; <c>null</c> when its bytes were not a ticket.</summary>
    private sealed record RecentSession(AuthenticationTicket? Ticket, DateTime? ExpiresAt);
}
