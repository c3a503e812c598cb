namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Finishes assemblies whose claimer let its lease run out (it died between the last chunk and completion).</summary>
public sealed partial class AssemblyRecovery(UploadLedger ledger, UploadAssembler assembler, ILogger<AssemblyRecovery> logger)
{
    public async Task<int> FinishStalledAsync(CancellationToken cancellationToken)
    {
        var finished = 0;
        foreach (var upload in await ledger.ClaimStalledAssembliesAsync(cancellationToken))
        {
            LogResuming(logger, upload.Id);
            await assembler.FinishClaimedAsync(upload, cancellationToken);
            finished++;
        }
        return finished;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} was left in Assembling by an instance that stopped; finishing it")]
    private static partial void LogResuming(ILogger logger, Guid uploadId);
}
