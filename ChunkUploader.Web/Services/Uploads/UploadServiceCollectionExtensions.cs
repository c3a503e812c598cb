using ChunkUploader.Web.Data;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.History;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChunkUploader.Web.Services.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>The one registration of the database: SQLite, in a file under the content root unless configured otherwise.</summary>
    public static IServiceCollection AddUploadDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var connection = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Default") ?? "Data Source=data/chunkuploader.db");
        connection.DataSource = Path.GetFullPath(connection.DataSource, environment.ContentRootPath);
        connection.DefaultTimeout = Math.Max(connection.DefaultTimeout, 30); // writers queue for SQLite's single write lock
        services.AddDbContext<AppDbContext>(options => options
            .UseSqlite(connection.ToString())
            // Unique-key conflicts are how simultaneous requests learn they lost a race, and are handled where they happen;
            // a failure nobody handles still surfaces as the request's exception.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandError, LogLevel.Debug),
                (RelationalEventId.TransactionError, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug))));
        return services;
    }

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
