using System.Globalization;
using System.Text.RegularExpressions;
using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Accounts;
using ChunkUploader.Web.Services.Audit;
using ChunkUploader.Web.Services.History;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ChunkUploader.Web.Controllers;

/// <summary>Admins see every user's usage, quota and lockout, change quotas, lock and unlock accounts; each change is audited.</summary>
[Authorize(Roles = Roles.Admin)]
[Route("Admin/Users")]
public sealed partial class AdminUsersController(UserUsageReport report, UserAccounts accounts, AuditLog audit) : Controller
{
    private const int RecentAuditEvents = 50;
    private const int MaxPage = 1_000_000;

    [HttpGet("")]
    public async Task<IActionResult> Index(string? email, int page = 1, CancellationToken cancellationToken = default)
    {
        if (!ModelState.IsValid || page < 1 || page > MaxPage) return BadRequest($"page must be a whole number between 1 and {MaxPage}.");
        if (HistoryFilter.SearchProblem("email", email) is { } unsearchable) return BadRequest(unsearchable);
        var (users, total) = await report.ListAsync(email, page, cancellationToken);
        var events = await audit.RecentAsync(RecentAuditEvents, cancellationToken);
        return View(new AdminUsersModel(email, page, total, users, events, DateTimeOffset.UtcNow));
    }

    /// <summary>Sets the user's own quota from text such as <c>20 GiB</c> or <c>500000000</c>; empty or <c>default</c> returns them to the configured default.</summary>
    [HttpPost("{id}/quota")]
    [ValidateAntiForgeryToken]
    public async Task<IActionResult> SetQuota(string id, string? quota, CancellationToken cancellationToken)
    {
        if (await accounts.FindByIdAsync(id) is not { } user) return NotFound("No such user.");
        if (!TryParseQuota(quota, out var bytes))
            return BadRequest($"'{quota}' is not a quota: give a number of bytes with an optional unit (KiB, MiB, GiB, TiB), e.g. 20 GiB, or 'default'.");
        return Done(await accounts.SetQuotaAsync(user, bytes, Actor, cancellationToken), user);
    }

    [HttpPost("{id}/lock")]
    [ValidateAntiForgeryToken]
    public async Task<IActionResult> Lock(string id, CancellationToken cancellationToken)
    {
        if (await accounts.FindByIdAsync(id) is not { } user) return NotFound("No such user.");
        // An admin who locks themselves out cannot undo it from this page.
        if (user.Id == accounts.UserIdOf(User)) return BadRequest("You cannot lock your own account.");
        return Done(await accounts.LockAsync(user, Actor, cancellationToken), user);
    }

    [HttpPost("{id}/unlock")]
    [ValidateAntiForgeryToken]
    public async Task<IActionResult> Unlock(string id, CancellationToken cancellationToken)
    {
        if (await accounts.FindByIdAsync(id) is not { } user) return NotFound("No such user.");
        return Done(await accounts.UnlockAsync(user, Actor, cancellationToken), user);
    }

    private string Actor => User.Identity?.Name ?? "unknown admin";

    private IActionResult Done(AccountChange change, IdentityUser user) =>
        change.Succeeded
            ? Redirect(Url.Content("~/Admin/Users") + "?email=" + Uri.EscapeDataString(user.Email ?? "") + "#user-" + user.Id)
            : BadRequest(change.Message);

    private static readonly Dictionary<string, long> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = 1, ["B"] = 1, ["bytes"] = 1, ["KiB"] = 1L << 10, ["MiB"] = 1L << 20, ["GiB"] = 1L << 30, ["TiB"] = 1L << 40,
    };

    internal static bool TryParseQuota(string? text, out long? bytes)
    {
        bytes = null;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("default", StringComparison.OrdinalIgnoreCase)) return true;
        var match = QuotaText().Match(text);
        if (!match.Success || !Units.TryGetValue(match.Groups[2].Value, out var unit)) return false;
        if (!decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        // Compared before multiplying: 20 digits of TiB overflow even a decimal.
        if (number > long.MaxValue / (decimal)unit) return false;
        bytes = (long)Math.Round(number * unit);
        return true;
    }

    [GeneratedRegex(@"^\s*(\d{1,20}(?:\.\d{1,6})?)\s*([A-Za-z]*)\s*$")]
    private static partial Regex QuotaText();
}

public sealed record AdminUsersModel(
    string? Email, int Page, int TotalCount, IReadOnlyList<UserUsage> Users, IReadOnlyList<AuditEvent> AuditEvents, DateTimeOffset Now)
{
    public int PageCount => Math.Max(1, (TotalCount + UserUsageReport.PageSize - 1) / UserUsageReport.PageSize);
}
