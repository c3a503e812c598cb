using ChunkUploader.Web.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Observability;

/// <summary>
/// Healthy when the storage root is there or can be made (a fresh deployment has no upload yet, so it may not exist).
/// On an instance whose shared mount went away or turned read-only the call fails, and the load balancer should stop
/// sending chunks here. One metadata call keeps the probe cheap.
/// </summary>
public sealed class StorageHealthCheck(IOptions<StorageOptions> options, IHostEnvironment environment) : IHealthCheck
{
    private readonly string _root = Path.GetFullPath(options.Value.Root, environment.ContentRootPath);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(_root);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The storage root is not reachable.", exception));
        }
    }
}
