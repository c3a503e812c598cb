namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Why a request was refused: an HTTP status and a short message meant for the person uploading.</summary>
/// <remarks>
/// 400, 404 and 415 are in Resumable.js' default <c>permanentErrors</c>: the client fails the file at once. 429, 460
/// and 503 are not, so the client sends the chunk again; <paramref name="RetryAfter"/> says when.
/// </remarks>
public sealed record Rejection(int StatusCode, string Message, TimeSpan? RetryAfter = null)
{
    /// <summary>A chunk whose bytes do not match the checksum its sender computed: damaged in transit, so worth sending again (tus uses 460 too).</summary>
    public const int ChecksumMismatchStatus = 460;

    public static Rejection BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static Rejection NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static Rejection UnsupportedMediaType(string message) => new(StatusCodes.Status415UnsupportedMediaType, message);
    public static Rejection TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);
    public static Rejection TooMany(string message, TimeSpan retryAfter) => new(StatusCodes.Status429TooManyRequests, message, retryAfter);
    public static Rejection Busy(string message, TimeSpan retryAfter) => new(StatusCodes.Status503ServiceUnavailable, message, retryAfter);
    public static Rejection InsufficientStorage(string message) => new(StatusCodes.Status507InsufficientStorage, message);
    public static Rejection ChecksumMismatch(string message) => new(ChecksumMismatchStatus, message);
}

/// <summary>Either a value or the rejection that stopped it.</summary>
public readonly record struct Outcome<T>
{
    private Outcome(T? value, Rejection? rejection) => (Value, Rejection) = (value, rejection);

    public T? Value { get; }
    public Rejection? Rejection { get; }

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Rejection rejection) => new(default, rejection);
}
