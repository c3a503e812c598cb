using ChunkUploader.Web.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Observability;

/// <summary>
/// Healthy when the storage root exists. On a shared mount that went away the root is missing (or the call fails),
/// and the load balancer should stop sending chunks here. Checking existence only keeps the probe cheap.
/// </summary>
public sealed class StorageHealthCheck(IOptions<StorageOptions> options, IHostEnvironment environment) : IHealthCheck
{
    private readonly string _root = Path.GetFullPath(options.Value.Root, environment.ContentRootPath);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Directory.Exists(_root)
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, "The storage root is not reachable."));
}
