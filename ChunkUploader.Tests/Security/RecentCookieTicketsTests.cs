using System.Security.Claims;
using ChunkUploader.Web.Security;
using Microsoft.AspNetCore.Authentication;

namespace ChunkUploader.Tests.Security;

[TestClass]
public sealed class RecentCookieTicketsTests
{
    [TestMethod]
    public void A_cookie_sent_again_is_opened_once_and_each_request_gets_its_own_ticket()
    {
        var inner = new CountingFormat();
        var format = new RecentCookieTickets(inner);

        var first = format.Unprotect("cookie-a");
        first!.Properties.Items["changed"] = "by the first request";
        first.Principal.Identities.Single().AddClaim(new Claim("extra", "first"));
        var second = format.Unprotect("cookie-a");

        Assert.AreEqual(1, inner.Opened, "the second request used what the first opened");
        Assert.AreEqual("session-of-cookie-a", second!.Principal.FindFirstValue("session"));
        Assert.IsFalse(second.Properties.Items.ContainsKey("changed"), "a change to one request's ticket is not seen by the next");
        Assert.IsNull(second.Principal.FindFirst("extra"));
    }

    [TestMethod]
    public void A_cookie_that_does_not_open_is_tried_every_time()
    {
        var inner = new CountingFormat();
        var format = new RecentCookieTickets(inner);

        Assert.IsNull(format.Unprotect("forged"));
        Assert.IsNull(format.Unprotect("forged"));

        Assert.AreEqual(2, inner.Opened, "a made-up cookie is never remembered");
    }

    [TestMethod]
    public void Different_cookies_open_to_their_own_tickets()
    {
        var format = new RecentCookieTickets(new CountingFormat());

        Assert.AreEqual("session-of-cookie-a", format.Unprotect("cookie-a")!.Principal.FindFirstValue("session"));
        Assert.AreEqual("session-of-cookie-b", format.Unprotect("cookie-b")!.Principal.FindFirstValue("session"));
    }

    [TestMethod]
    public void A_cookie_opened_for_a_purpose_is_not_remembered()
    {
        var inner = new CountingFormat();
        var format = new RecentCookieTickets(inner);

        format.Unprotect("cookie-a", "tls-binding");
        format.Unprotect("cookie-a", "tls-binding");

        Assert.AreEqual(2, inner.Opened);
    }

    /// <summary>Opens any cookie but "forged", to a ticket naming its session after the cookie; counts the openings.</summary>
    private sealed class CountingFormat : ISecureDataFormat<AuthenticationTicket>
    {
        public int Opened { get; private set; }

        public string Protect(AuthenticationTicket data) => throw new NotSupportedException();

        public string Protect(AuthenticationTicket data, string? purpose) => throw new NotSupportedException();

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Opened++;
            return protectedText is null or "forged"
                ? null
                : new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("session", "session-of-" + protectedText)], "Cookies")),
                    new AuthenticationProperties(), "Identity.Application");
        }
    }
}
