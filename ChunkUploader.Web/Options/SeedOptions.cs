namespace ChunkUploader.Web.Options;

/// <summary>Accounts created in the Development environment only. Bound from the <c>Seed</c> section.</summary>
public sealed record SeedOptions
{
    public const string Section = "Seed";

    public SeedAccount? Admin { get; init; }
    public SeedAccount? User { get; init; }
}

public sealed record SeedAccount(string Email, string Password);
