using System.ComponentModel.DataAnnotations;
using ChunkUploader.Web.Controllers;
using ChunkUploader.Web.Services.Uploads;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Security;

/// <summary>Account rules, bound from the <c>Identity</c> section and validated at start.</summary>
public sealed record AccountOptions : IValidatableObject
{
    public const string Section = "Identity";

    /// <summary>Whether anyone may register; false closes the register page and its post (404).</summary>
    public bool AllowRegistration { get; init; } = true;

    /// <summary>Refused at start: confirming needs email delivery, which this server does not have.</summary>
    public bool RequireConfirmedAccount { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Without an email sender, Identity's pages show the confirmation link to whoever registers: it would confirm nothing.
        if (RequireConfirmedAccount)
            yield return new ValidationResult(
                "Identity:RequireConfirmedAccount needs email delivery, which this server does not have: the confirmation link would be shown " +
                "to whoever registers, confirming nothing. Leave it false, and set Identity:AllowRegistration to false to decide who gets an account.",
                [nameof(RequireConfirmedAccount)]);
    }

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    [Range(1, 1000)]
    public int MaxFailedAccessAttempts { get; init; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>Lockout, closed registration and server-side sessions. Call after <c>AddDefaultIdentity</c>.</summary>
public static class AccountSecurity
{
    /// <summary>The pages that create accounts; closed when <see cref="AccountOptions.AllowRegistration"/> is false.</summary>
    private static readonly PathString[] RegistrationPages = ["/Identity/Account/Register", "/Identity/Account/ExternalLogin"];

    /// <summary>
    /// The pages that act on a link sent by email, always closed: this server sends none, and Identity's confirmation
    /// page would show the link to whoever asks (and tell them whether that address has an account).
    /// </summary>
    private static readonly PathString[] EmailPages =
    [
        "/Identity/Account/RegisterConfirmation", "/Identity/Account/ResendEmailConfirmation", "/Identity/Account/ConfirmEmail",
        "/Identity/Account/ConfirmEmailChange", "/Identity/Account/ForgotPasswordConfirmation", "/Identity/Account/ResetPassword",
        "/Identity/Account/ResetPasswordConfirmation",
    ];

    public static IServiceCollection AddAccountSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccountOptions>().Bind(configuration.GetSection(AccountOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountOptions>>((identity, accounts) =>
        {
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = accounts.Value.MaxFailedAccessAttempts;
            identity.Lockout.DefaultLockoutTimeSpan = accounts.Value.LockoutDuration;
        });
        // Replaces the sign-in manager AddDefaultIdentity registered (the last registration wins).
        services.AddScoped<SignInManager<IdentityUser>, LockoutSignInManager>();

        services.AddMemoryCache();
        services.AddSingleton<DatabaseTicketStore>();
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<DatabaseTicketStore>((cookie, store) => cookie.SessionStore = store)
            .PostConfigure(cookie =>
            {
                // After the cookie handler's own post-configuration, which creates the format from data protection.
                cookie.TicketDataFormat = new RecentCookieTickets(cookie.TicketDataFormat);
                ExplainRedirects(cookie.Events);
                CheckStampsOnlyWhenDue(cookie.Events);
            });
        services.Configure<MvcOptions>(mvc => mvc.Filters.Add<AntiforgeryFailureMessage>());
        return services;
    }

    /// <summary>
    /// Answers 404 on the email pages, and on the registration pages when registration is closed, before Identity's page
    /// sees the request. Routing also takes a page's path with a trailing slash, so the path is compared without one.
    /// </summary>
    public static IApplicationBuilder UseClosedAccountPages(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var path = new PathString(context.Request.Path.Value?.TrimEnd('/'));
            bool Is(PathString page) => path.Equals(page, StringComparison.OrdinalIgnoreCase);
            if (EmailPages.Any(Is))
                return Rejection.NotFound("This server sends no email, so there is no link to confirm an address or reset a password; ask an administrator.")
                    .WriteAsync(context.Response, context.RequestAborted);
            var closed = !context.RequestServices.GetRequiredService<IOptions<AccountOptions>>().Value.AllowRegistration;
            if (closed && RegistrationPages.Any(Is))
                return Rejection.NotFound("Registration is closed on this server; ask an administrator for an account.")
                    .WriteAsync(context.Response, context.RequestAborted);
            return next(context);
        });

    /// <summary>
    /// Wraps the app's own redirect events (set in Program.cs): the sign-in redirect becomes a path, never a URL built
    /// from the request's Host, and a 401 or 403 the app chose says in words why. Only these delegates are wrapped,
    /// so anything else configured on the cookie's events keeps working.
    /// </summary>
    private static void ExplainRedirects(CookieAuthenticationEvents events)
    {
        var toLogin = events.OnRedirectToLogin;
        events.OnRedirectToLogin = async context =>
        {
            context.RedirectUri = PathOnly(context.RedirectUri);
            await toLogin(context);
            await ExplainAsync(context.Response, StatusCodes.Status401Unauthorized, "Sign in first: this needs a signed-in user.");
        };
        var toAccessDenied = events.OnRedirectToAccessDenied;
        events.OnRedirectToAccessDenied = async context =>
        {
            context.RedirectUri = PathOnly(context.RedirectUri);
            await toAccessDenied(context);
            await ExplainAsync(context.Response, StatusCodes.Status403Forbidden, "Access denied: this needs the Admin role.");
        };
    }

    /// <summary>
    /// Identity's security-stamp check builds the sign-in manager, the user manager and their validators on every request,
    /// only to find that no check is due (one every 30 minutes by default): 8 % of a probe's CPU. Its own rule is applied
    /// here first, so the check runs exactly when it did, and the rest of the time nothing is built.
    /// </summary>
    internal static void CheckStampsOnlyWhenDue(CookieAuthenticationEvents events)
    {
        var validate = events.OnValidatePrincipal;
        events.OnValidatePrincipal = context =>
        {
            var stamps = context.HttpContext.RequestServices.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value;
            var now = (stamps.TimeProvider ?? TimeProvider.System).GetUtcNow();
            return context.Properties.IssuedUtc is { } issued && now - issued <= stamps.ValidationInterval ? Task.CompletedTask : validate(context);
        };
    }

    private static Task ExplainAsync(HttpResponse response, int status, string message)
    {
        if (response.StatusCode != status || response.HasStarted) return Task.CompletedTask;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message, response.HttpContext.RequestAborted);
    }

    private static string PathOnly(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : uri;
}
