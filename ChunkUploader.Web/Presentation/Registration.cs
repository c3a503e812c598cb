namespace ChunkUploader.Web.Presentation;

/// <summary>
/// Whether pages offer "Register". The same key closes the endpoint itself (the account security code does that);
/// the pages only read it so that nothing links to a closed door.
/// </summary>
public static class Registration
{
    public const string ConfigurationKey = "Identity:AllowRegistration";

    public static bool IsOpen(this IConfiguration configuration) => configuration.GetValue(ConfigurationKey, true);
}
