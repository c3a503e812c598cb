using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Observability;

/// <summary>
/// Healthy when the storage root is the one the server started with (its marker file is there) and takes a new file.
/// On an instance whose shared mount went away or turned read-only it fails, and the load balancer should stop sending
/// chunks here. It never makes the root: a root made here would hide a mount that is gone.
/// </summary>
public sealed class StorageHealthCheck(IOptions<StorageOptions> options, IHostEnvironment environment) : IHealthCheck
{
    private readonly string _root = Path.GetFullPath(options.Value.Root, environment.ContentRootPath);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!StorageRootMarker.IsPresent(_root))
            return Unhealthy(context, $"The storage root is not there: its file {StorageRootMarker.FileName} is missing (a mount gone?).");
        try
        {
            // Made and removed at once: a read-only or full volume refuses it.
            using (new FileStream(Path.Combine(_root, $".health-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Unhealthy(context, "The storage root cannot be written.", exception);
        }
    }

    private static Task<HealthCheckResult> Unhealthy(HealthCheckContext context, string description, Exception? exception = null) =>
        Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, description, exception));
}
