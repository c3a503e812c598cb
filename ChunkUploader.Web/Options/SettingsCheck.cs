using System.Reflection;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Options;

/// <summary>
/// Validates every setting the app checks at start, before the database is migrated or a command runs, so that a bad
/// value changes nothing and is reported in one line per problem instead of a stack trace. (A value that cannot be read
/// as its type at all stops the app earlier, with configuration's own message naming the key.)
/// </summary>
public static class SettingsCheck
{
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
        var section = invalid.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
        var where = section is null ? invalid.OptionsType.Name : $"section '{section}'";
        return string.Join(Environment.NewLine, invalid.Failures.Select(failure => $"Invalid setting in {where}: {failure}"));
    }
}
