using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChunkUploader.Web.Data;

/// <summary>
/// A hand-written read on the context's own connection, past EF's query pipeline: for the read made before every chunk
/// (the probe) on PostgreSQL, where even a compiled EF query built its command and materialised a whole upload each
/// time. Npgsql prepares the statement on each connection once it has run twice there (Max Auto Prepare).
/// </summary>
public static class ContextReads
{
    /// <summary>
    /// The first row of <paramref name="sql"/>, whose parameters are <c>@p0</c>, <c>@p1</c>… in the order of
    /// <paramref name="values"/>, as <paramref name="read"/> makes it; the default when there is no row.
    /// </summary>
    public static async Task<T?> ReadFirstAsync<T>(this DatabaseFacade database, string sql, object?[] values, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = database.CurrentTransaction?.GetDbTransaction();
            for (var i = 0; i < values.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"p{i}";
                parameter.Value = values[i] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? read(reader) : default;
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }
}
