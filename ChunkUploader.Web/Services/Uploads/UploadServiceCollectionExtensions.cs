using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.History;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>The one registration of the upload pipeline and its storage.</summary>
    public static IServiceCollection AddUploads(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<IValidateOptions<UploadOptions>, UploadOptionsFitStore>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(InstanceName.ForThisProcess());
        services.AddSingleton<StoragePaths>();
        services.AddSingleton<IUploadStore, FileSystemUploadStore>();
        services.AddSingleton<ChunkRequestParser>();
        services.AddSingleton<ChunkRequestReader>();
        services.AddSingleton<AllowedContent>();
        services.AddSingleton<UploadAdmission>();
        services.AddSingleton<UploadMetrics>();
        services.AddSingleton<UploadWorkSignal>();
        services.AddSingleton<RefusalLog>();
        services.AddSingleton<BackgroundCpu>();
        services.AddScoped<UploadLedger>();
        services.AddScoped<UploadAssembler>();
        services.AddScoped<UploadReceiver>();
        services.AddScoped<UploadRemover>();
        services.AddScoped<UploadHasher>();
        services.AddScoped<AssemblyRecovery>();
        services.AddScoped<IdleUploadExpiry>();
        services.AddScoped<OrphanSweep>();
        services.AddScoped<UploadHistory>();
        services.AddHostedService<UploadRecoveryWorker>();
        services.AddHostedService<UploadSweepWorker>();
        return services;
    }
}
