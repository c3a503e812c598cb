using ChunkUploader.Web.Commands;
using ChunkUploader.Web.Logging;
using ChunkUploader.Web.Services.Accounts;
using ChunkUploader.Web.Services.Audit;

namespace ChunkUploader.Web.Services.Operations;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>
    /// Operations: audit log, account administration, stored-file access, and logging: JSON outside Development for the
    /// server, plain lines on standard error for a <paramref name="command"/>, whose standard output is its answer.
    /// </summary>
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder, OperationsCommand? command)
    {
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<UserAccounts>();
        builder.Services.AddScoped<UserUsageReport>();
        builder.Services.AddSingleton<StoredFiles>();
        if (command is null) builder.AddProductionLogging();
        else OperationsCommand.ConfigureLogging(builder.Logging);
        return builder;
    }
}
