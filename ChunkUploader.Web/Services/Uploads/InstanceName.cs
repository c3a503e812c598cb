namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Names this process in the leases it takes, so that logs and the database tell instances apart.</summary>
public sealed record InstanceName(string Value)
{
    public static InstanceName ForThisProcess() => new($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}");
}
