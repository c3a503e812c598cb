using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Stores every <see cref="DateTime"/> as UTC and reads it back with <see cref="DateTimeKind.Utc"/>: SQLite keeps no kind at
/// all, and Npgsql throws on a value of unspecified kind written to <c>timestamptz</c>.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => ToUtc(value),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc))
{
    // A local time is converted; an unspecified one is taken to be UTC already (the app only ever makes UTC times).
    private static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };
}
