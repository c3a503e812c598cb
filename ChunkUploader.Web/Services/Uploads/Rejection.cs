namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Why a request was refused: an HTTP status and a short message meant for the person uploading.</summary>
/// <remarks>400 and 415 are in Resumable.js' default <c>permanentErrors</c>, so the client fails the file at once instead of retrying.</remarks>
public sealed record Rejection(int StatusCode, string Message)
{
    public static Rejection BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static Rejection NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static Rejection UnsupportedMediaType(string message) => new(StatusCodes.Status415UnsupportedMediaType, message);
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
