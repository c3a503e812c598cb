using System.Security.Claims;
using ChunkUploader.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Security;

[TestClass]
public sealed class AccountSecurityTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(30);

    [TestMethod]
    [DataRow(0, false)]
    [DataRow(30, false)]
    [DataRow(31, true)]
    [DataRow(24 * 60, true)]
    public async Task The_security_stamp_is_checked_exactly_when_Identity_would_check_it(int minutesSinceIssued, bool checkedNow)
    {
        Assert.AreEqual(checkedNow ? 1 : 0, await StampChecksAsync(Now.AddMinutes(-minutesSinceIssued)));
    }

    [TestMethod]
    public async Task A_ticket_without_an_issue_time_is_always_checked()
    {
        Assert.AreEqual(1, await StampChecksAsync(issued: null));
    }

    private static async Task<int> StampChecksAsync(DateTimeOffset? issued)
    {
        var checks = 0;
        var events = new CookieAuthenticationEvents { OnValidatePrincipal = _ => { checks++; return Task.CompletedTask; } };
        AccountSecurity.CheckStampsOnlyWhenDue(events);

        await using var services = new ServiceCollection()
            .Configure<SecurityStampValidatorOptions>(stamps => { stamps.ValidationInterval = Interval; stamps.TimeProvider = new FixedTime(Now); })
            .BuildServiceProvider();
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity("test")), new AuthenticationProperties { IssuedUtc = issued }, IdentityConstants.ApplicationScheme);
        var scheme = new AuthenticationScheme(IdentityConstants.ApplicationScheme, null, typeof(CookieAuthenticationHandler));
        await events.ValidatePrincipal(new CookieValidatePrincipalContext(new DefaultHttpContext { RequestServices = services }, scheme, new CookieAuthenticationOptions(), ticket));
        return checks;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
