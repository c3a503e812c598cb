using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>
/// Keeps a writer's claim on its chunk alive and stops the writer once the claim is lost. The writer renews when a third
/// of the lease has passed, so it never writes with less than two thirds of the lease left: that margin covers clock
/// skew between instances and the time one write takes, after which another request may take the chunk over.
/// </summary>
public sealed class ChunkLeaseFence(UploadLedger ledger, TimeProvider clock, UploadOptions options, Guid uploadId, int chunkNumber, ChunkClaim claim) : IChunkFence
{
    private DateTime _leaseUntil = claim.LeaseUntil;

    public async ValueTask EnsureHeldAsync(CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow().UtcDateTime < _leaseUntil - options.ClaimLease * 2 / 3) return;
        _leaseUntil = await ledger.RenewChunkAsync(uploadId, chunkNumber, claim.Token, cancellationToken) ?? throw new ChunkClaimLostException();
    }
}
