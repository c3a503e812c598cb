using OpenTelemetry.Metrics;

namespace ChunkUploader.Web.Observability;

/// <summary>What operators and load balancers read: <c>/healthz</c> and <c>/metrics</c> (Prometheus text format).</summary>
public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The app's own meter; the upload pipeline's instruments are created on it.</summary>
    public const string MeterName = "ChunkUploader";
    public const string HealthPath = "/healthz";
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddObservability(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<StorageHealthCheck>("storage");

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            // ASP.NET Core's own meters: http.server.request.duration and Kestrel's connection counts.
            .AddMeter(MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// Both endpoints are anonymous: the load balancer and the scraper carry no cookie. They say nothing about users or
    /// files; the deployment's nginx keeps <c>/metrics</c> off the public side.
    /// </summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(HealthPath).AllowAnonymous().DisableHttpMetrics();
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous().DisableHttpMetrics();
        return endpoints;
    }
}
