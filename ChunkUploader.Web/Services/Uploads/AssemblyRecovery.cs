namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Finishes uploads whose last step was interrupted: an assembly whose claimer let its lease run out, or a fully
/// received upload whose last chunk's request died before it claimed the assembly.</summary>
public sealed partial class AssemblyRecovery(UploadLedger ledger, UploadAssembler assembler, ILogger<AssemblyRecovery> logger)
{
    public async Task<int> FinishStalledAsync(CancellationToken cancellationToken)
    {
        var finished = 0;
        var interrupted = (await ledger.ClaimStalledAssembliesAsync(cancellationToken)).Concat(await ledger.ClaimUnassembledAsync(cancellationToken));
        foreach (var upload in interrupted)
        {
            LogResuming(logger, upload.Id);
            await assembler.FinishClaimedAsync(upload, cancellationToken);
            finished++;
        }
        return finished;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} was left unfinished by a request or instance that stopped; finishing it")]
    private static partial void LogResuming(ILogger logger, Guid uploadId);
}
