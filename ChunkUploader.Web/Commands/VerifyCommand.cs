using ChunkUploader.Web.Data;
using ChunkUploader.Web.Services.Audit;
using ChunkUploader.Web.Services.Operations;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.EntityFrameworkCore;

namespace ChunkUploader.Web.Commands;

/// <summary>
/// <c>verify</c>: re-hashes every finished file and compares it with its record. Reports files whose bytes changed (bit
/// rot, tampering), records whose file is gone, and files on disk that no record accounts for; exits non-zero if any.
/// </summary>
public sealed class VerifyCommand : OperationsCommand
{
    protected override async Task<int> ExecuteAsync(CommandContext context)
    {
        if (await SchemaProblemAsync(context) is { } problem) return context.Fail(problem);
        var cancellationToken = context.CancellationToken;
        var files = context.Get<StoredFiles>();

        // Files are listed before records are read: a file that finishes meanwhile then has its record, never the reverse.
        var onDisk = files.List().ToList();
        var records = await context.Get<AppDbContext>().Uploads.AsNoTracking()
            .Where(u => u.Status == UploadStatus.Complete || u.Status == UploadStatus.Assembling)
            .Select(u => new { u.Id, u.UserId, u.FileName, u.Status, u.Sha256 })
            .ToListAsync(cancellationToken);

        int altered = 0, missing = 0, unreadable = 0, unhashed = 0, checkedFiles = 0;
        foreach (var record in records.Where(r => r.Status == UploadStatus.Complete))
        {
            string sha256;
            try
            {
                await using var stream = await files.OpenReadAsync(record.UserId, record.Id, cancellationToken);
                if (stream is null)
                {
                    missing++;
                    context.Out.WriteLine($"MISSING     upload {record.Id} ({record.FileName}) of user {record.UserId}: no file on disk");
                    continue;
                }
                sha256 = await BackupFolder.HashAsync(stream, null, cancellationToken);
            }
            catch (Exception failure) when (failure is StorageFailedException or IOException)
            {
                // One file the volume will not give back is a finding like the others, not the end of the check.
                unreadable++;
                context.Out.WriteLine($"UNREADABLE  upload {record.Id} ({record.FileName}) of user {record.UserId}: {(failure.InnerException ?? failure).Message}");
                continue;
            }
            checkedFiles++;
            if (record.Sha256 is null)
            {
                unhashed++;
                context.Out.WriteLine($"UNHASHED    upload {record.Id} ({record.FileName}): no SHA-256 recorded yet; on disk {sha256}");
            }
            else if (record.Sha256 != sha256)
            {
                altered++;
                context.Out.WriteLine($"ALTERED     upload {record.Id} ({record.FileName}) of user {record.UserId}: recorded {record.Sha256}, on disk {sha256}");
            }
        }

        var known = records.Select(r => (StoredFiles.OwnerKey(r.UserId), StoredFiles.FileKey(r.Id))).ToHashSet();
        var unrecorded = onDisk.Where(f => !known.Contains((f.OwnerKey, f.Name))).ToList();
        foreach (var file in unrecorded)
            context.Out.WriteLine($"UNRECORDED  {file.RelativePath}: no complete upload has this file");

        var summary = $"{checkedFiles} files checked: {altered} altered, {missing} missing, {unreadable} unreadable, {unrecorded.Count} without a record, {unhashed} not yet hashed";
        // The finding first: it stands even if the audit record cannot be written.
        context.Out.WriteLine(summary + ".");
        await context.Get<AuditLog>().RecordAsync(AuditLog.CommandLineActor, "verify", "storage", summary, cancellationToken);
        return altered + missing + unreadable + unrecorded.Count == 0 ? Succeeded : context.Fail("Verification found problems; see above.");
    }
}
