namespace ChunkUploader.Web.Security;

/// <summary>The one registration of the abuse and web-security measures (issue 8).</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>Call after <c>AddDefaultIdentity</c>: it replaces Identity's sign-in manager and configures its cookie.</summary>
    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services
            .AddProductionDefaults(configuration, environment)
            .AddAccountSecurity(configuration)
            .AddRateLimits(configuration);

    /// <summary>Before static files and routing; the rate limiter comes later, after authentication (<see cref="RateLimits.UseRateLimits"/>).</summary>
    public static IApplicationBuilder UseSecurity(this IApplicationBuilder app) =>
        app.UseProductionDefaults()
            .UseClosedAccountPages()
            .UseLocalReturnUrls();
}
