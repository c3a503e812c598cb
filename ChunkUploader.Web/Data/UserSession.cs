namespace ChunkUploader.Web.Data;

/// <summary>
/// One signed-in browser session. The cookie carries only <see cref="Id"/>; the authentication ticket lives here, so
/// deleting the row at sign-out ends the session on every instance, even for a copy of the cookie.
/// </summary>
public sealed class UserSession
{
    public const int IdLength = 32;

    /// <summary>A random key (hex), the only thing the cookie holds.</summary>
    public required string Id { get; set; }
    public required string UserId { get; set; }

    /// <summary>The serialized authentication ticket (claims and properties).</summary>
    public required byte[] Ticket { get; set; }

    /// <summary>When the ticket stops being valid (UTC); null when the cookie itself decides.</summary>
    public DateTime? ExpiresAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
