using System.Text.Json;
using ChunkUploader.Web.Data;

namespace ChunkUploader.Web.Presentation;

/// <summary>The badge colour of each status, for the Razor partial and (as JSON in a data attribute) for history.js's live updates.</summary>
public static class StatusBadges
{
    private static readonly Dictionary<UploadStatus, string> Classes = new()
    {
        [UploadStatus.Receiving] = "text-bg-primary",
        [UploadStatus.Assembling] = "text-bg-info",
        [UploadStatus.Complete] = "text-bg-success",
        [UploadStatus.Failed] = "text-bg-danger",
        [UploadStatus.Rejected] = "text-bg-warning",
    };

    public const string Default = "text-bg-secondary";

    public static string ClassFor(UploadStatus status) => Classes.GetValueOrDefault(status, Default);

    public static string Json { get; } = JsonSerializer.Serialize(
        Enum.GetValues<UploadStatus>().ToDictionary(s => s.ToString(), ClassFor));

    public static string LiveJson { get; } = JsonSerializer.Serialize(UploadStatuses.Live.Select(s => s.ToString()));
}
