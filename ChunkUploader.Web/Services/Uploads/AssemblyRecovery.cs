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
            try
            {
                await assembler.FinishClaimedAsync(upload, cancellationToken);
                finished++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One upload that cannot be finished now (its storage failing) must not hold back the others: its claim
                // runs out and a later round tries it again.
                LogFailed(logger, upload.Id, exception);
            }
        }
        return finished;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} could not be finished now; it is tried again once its claim runs out")]
    private static partial void LogFailed(ILogger logger, Guid uploadId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} was left unfinished by a request or instance that stopped; finishing it")]
    private static partial void LogResuming(ILogger logger, Guid uploadId);
}
