using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace ChunkUploader.Web.Security;

/// <summary>
/// The sign-in cookie's format, remembering what each cookie it recently opened said. Resumable.js sends a probe and a
/// chunk per chunk, each with the same cookie, and decrypting and verifying it was a tenth of a probe's CPU.
/// </summary>
/// <remarks>
/// Safe to remember: a cookie is the encryption of a fixed ticket (with the session store, only the session's key), so
/// the same text always opens to the same ticket; whether the session still signs anyone in is decided afterwards by
/// <see cref="DatabaseTicketStore"/> and the ticket's expiry, on every request. Only cookies that opened are remembered,
/// so made-up cookies cannot fill the cache, and each caller gets its own copy of the ticket.
/// </remarks>
public sealed class RecentCookieTickets(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>Long enough to cover an upload's stream of requests; short enough that a revoked data-protection key soon stops working.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>One entry per signed-in browser that sent a request in the last minute.</summary>
    public const int Capacity = 10_000;

    private readonly MemoryCache _opened = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null || purpose is not null) return inner.Unprotect(protectedText, purpose);
        if (_opened.TryGetValue(protectedText, out AuthenticationTicket? known)) return known!.Clone();
        var ticket = inner.Unprotect(protectedText);
        if (ticket is not null)
            _opened.Set(protectedText, ticket.Clone(), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });
        return ticket;
    }
}
