using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.History;

namespace ChunkUploader.Web.Services.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>The one registration of the upload pipeline and its storage.</summary>
    public static IServiceCollection AddUploads(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StoragePaths>();
        services.AddSingleton<ChunkStore>();
        services.AddSingleton<ChunkRequestParser>();
        services.AddSingleton<ChunkRequestReader>();
        services.AddSingleton<UploadHashQueue>();
        services.AddScoped<UploadLedger>();
        services.AddScoped<UploadAssembler>();
        services.AddScoped<UploadReceiver>();
        services.AddScoped<UploadRemover>();
        services.AddScoped<UploadExpiry>();
        services.AddScoped<UploadHistory>();
        services.AddHostedService<UploadHashWorker>();
        services.AddHostedService<UploadExpiryWorker>();
        return services;
    }
}
