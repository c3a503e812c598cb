using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace ChunkUploader.Tests.Infrastructure;

/// <summary>A host environment for constructing the app's services directly in unit tests.</summary>
public sealed class TestHostEnvironment(string contentRoot) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Testing";
    public string ApplicationName { get; set; } = "ChunkUploader.Tests";
    public string ContentRootPath { get; set; } = contentRoot;
    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
