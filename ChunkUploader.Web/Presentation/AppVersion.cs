using System.Reflection;

namespace ChunkUploader.Web.Presentation;

/// <summary>The version the footer shows: the assembly's informational version, with a source commit cut to 7 characters.</summary>
public static class AppVersion
{
    public static string Display { get; } = Format(
        typeof(AppVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AppVersion).Assembly.GetName().Version?.ToString() ?? "unknown");

    /// <summary>The SDK appends "+{full commit hash}" (SourceLink); 40 hex characters in a footer are noise, 7 identify it.</summary>
    public static string Format(string informationalVersion)
    {
        var plus = informationalVersion.IndexOf('+');
        if (plus < 0) return informationalVersion;
        var metadata = informationalVersion[(plus + 1)..];
        return informationalVersion[..plus] + "+" + (metadata.Length > 7 ? metadata[..7] : metadata);
    }
}
