namespace ChunkUploader.Web.Data;

/// <summary>One change made by an admin (on a page) or an operator (through a command): who, what, to whom, when.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    /// <summary>When it happened, in UTC.</summary>
    public DateTime At { get; set; }

    /// <summary>Who did it: an admin's email, or <c>cli:{os user}</c> for a command.</summary>
    public required string Actor { get; set; }

    /// <summary>What was done, as a short dotted name such as <c>user.lock</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to: usually a user's email, or a folder for backups.</summary>
    public required string Subject { get; set; }

    public string? Detail { get; set; }
}
