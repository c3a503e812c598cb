using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Refuses at start a configuration the store cannot serve (an object store's minimum part size, its part count).</summary>
public sealed class UploadOptionsFitStore(IUploadStore store) : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var capabilities = store.Capabilities;
        var failures = new List<string>();
        if (options.MinChunkSize < capabilities.MinChunkSize)
            failures.Add($"Upload:MinChunkSize {options.MinChunkSize} is below the storage's smallest chunk, {capabilities.MinChunkSize} bytes.");
        if (options.MaxChunksPerFile > capabilities.MaxChunks)
            failures.Add($"Upload:MaxChunksPerFile {options.MaxChunksPerFile} exceeds the storage's limit of {capabilities.MaxChunks} chunks.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
