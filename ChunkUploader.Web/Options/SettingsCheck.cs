using System.Reflection;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Options;

/// <summary>
/// Validates every setting the app checks at start, before the database is migrated or a command runs, so that a bad
/// value changes nothing and is reported in one line per problem instead of a stack trace.
/// </summary>
public static class SettingsCheck
{
    /// <summary>
    /// Values that cannot be read as their type at all (<c>Upload:MinChunkSize=abc</c>, an unknown
    /// <c>Database:Provider</c>), one line each, or null. Checked before the services are registered, since registration
    /// reads some sections and the configuration binder throws on such a value.
    /// </summary>
    public static string? Unreadable(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var options in typeof(SettingsCheck).Assembly.GetTypes().Where(type => SectionOf(type) is not null))
        {
            try
            {
                configuration.GetSection(SectionOf(options)!).Get(options);
            }
            catch (InvalidOperationException unreadable)
            {
                // "Failed to convert configuration value 'abc' at 'Upload:MinChunkSize' to type 'System.Int64'."
                problems.Add($"Invalid setting: {unreadable.Message}");
            }
        }
        return problems.Count == 0 ? null : string.Join(Environment.NewLine, problems.Order(StringComparer.Ordinal));
    }

    /// <summary>What is wrong with the settings, one line each, or null when nothing is.</summary>
    public static string? Problems(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (OptionsValidationException invalid)
        {
            return Describe(invalid);
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return string.Join(Environment.NewLine, invalid.InnerExceptions.Cast<OptionsValidationException>().Select(Describe));
        }
    }

    /// <summary>Names the configuration section (its options class's <c>Section</c>), since the failures name only members.</summary>
    private static string Describe(OptionsValidationException invalid)
    {
        var section = SectionOf(invalid.OptionsType);
        var where = section is null ? invalid.OptionsType.Name : $"section '{section}'";
        return string.Join(Environment.NewLine, invalid.Failures.Select(failure => $"Invalid setting in {where}: {failure}"));
    }

    /// <summary>The configuration section an options class is bound from: its <c>Section</c> constant.</summary>
    private static string? SectionOf(Type options) =>
        options.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? field.GetValue(null) as string : null;
}
