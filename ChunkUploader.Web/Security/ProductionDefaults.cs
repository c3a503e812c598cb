using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace ChunkUploader.Web.Security;

/// <summary>Transport settings, bound from the <c>Https</c> section and validated at start.</summary>
public sealed record HttpsOptions : IValidatableObject
{
    public const string Section = "Https";

    /// <summary>
    /// HTTPS redirection, HSTS and <c>Secure</c> cookies. Null means "everywhere but Development"; set false only for a
    /// plain-HTTP test host.
    /// </summary>
    public bool? Required { get; init; }

    /// <summary>HSTS max-age.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "730.00:00:00")]
    public TimeSpan HstsMaxAge { get; init; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Addresses of TLS-terminating proxies whose <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed.
    /// Empty keeps ASP.NET Core's default: a proxy on the loopback interface only.
    /// </summary>
    public string[] KnownProxies { get; init; } = [];

    /// <summary>Networks (CIDR, e.g. <c>10.0.0.0/8</c>) of such proxies.</summary>
    public string[] KnownNetworks { get; init; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new ValidationResult($"Https:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"Https:KnownNetworks: '{network}' is not a network in CIDR form.", [nameof(KnownNetworks)]);
    }
}

/// <summary>
/// What a server on the internet needs and a developer's laptop does not: forwarded headers from a trusted proxy,
/// HTTPS redirection and HSTS, Secure cookies, no caching of private answers, and a warning when any Host is accepted.
/// </summary>
public static partial class ProductionDefaults
{
    public static IServiceCollection AddProductionDefaults(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<HttpsOptions>().Bind(configuration.GetSection(HttpsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var https = configuration.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions();
        var required = https.Required ?? !environment.IsDevelopment();

        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            // Host is not taken from the proxy: AllowedHosts judges the Host the client sent.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (https.KnownProxies.Length + https.KnownNetworks.Length == 0) return;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in https.KnownProxies) forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in https.KnownNetworks) forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
        });

        if (required)
        {
            services.AddHsts(hsts => hsts.MaxAge = https.HstsMaxAge);
            services.Configure<CookiePolicyOptions>(cookies => cookies.Secure = CookieSecurePolicy.Always);
            services.ConfigureApplicationCookie(cookie => cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always);
            services.Configure<AntiforgeryOptions>(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always);
        }
        return services;
    }

    /// <summary>Early in the pipeline, after the exception handler (so that error pages get the same headers).</summary>
    public static IApplicationBuilder UseProductionDefaults(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var environment = services.GetRequiredService<IHostEnvironment>();
        var required = services.GetRequiredService<IOptions<HttpsOptions>>().Value.Required ?? !environment.IsDevelopment();

        app.UseForwardedHeaders();
        if (required)
        {
            var allowedHosts = services.GetRequiredService<IConfiguration>()["AllowedHosts"];
            if (string.IsNullOrWhiteSpace(allowedHosts) || allowedHosts.Trim() == "*")
                Log.AnyHostAccepted(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProductionDefaults)));
            app.UseHsts();
            app.UseHttpsRedirection();
            app.UseCookiePolicy();
        }
        return app.UseNoStore();
    }

    /// <summary>
    /// <c>Cache-Control: no-store</c> on every answer that did not choose its own caching: API answers, private pages
    /// and downloads must not stay in a shared or browser cache. Static files set their own and keep it.
    /// </summary>
    private static IApplicationBuilder UseNoStore(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (string.IsNullOrEmpty(context.Response.Headers.CacheControl)) context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        });

    private static partial class Log
    {
        [LoggerMessage(EventId = 8002, Level = LogLevel.Warning,
            Message = "AllowedHosts is '*': any Host header is accepted. Set AllowedHosts to this server's host names so that no URL is built from a foreign Host.")]
        public static partial void AnyHostAccepted(ILogger logger);
    }
}
