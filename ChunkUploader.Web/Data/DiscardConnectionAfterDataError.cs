using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace ChunkUploader.Web.Data;

/// <summary>
/// Keeps a PostgreSQL connection out of the pool once a command on it failed with a data error (SQLSTATE class 22: a
/// NUL in text, a value too long). With automatic preparation on, Npgsql leaves the statement whose preparing run failed
/// so broken on that connection that its next use there fails too ("Received unexpected backend message DataRow";
/// npgsql/npgsql#6391): one bad value would turn the next good request on that connection into a 500.
/// </summary>
public sealed class DiscardConnectionAfterDataError : DbCommandInterceptor
{
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Discard(command, eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(command, eventData.Exception);
        return Task.CompletedTask;
    }

    // Closes the pool's idle connections now and this one when it is returned; a data error is rare, so the cost is too.
    private static void Discard(DbCommand command, Exception failure)
    {
        if (failure is PostgresException { SqlState: ['2', '2', ..] } && command.Connection is NpgsqlConnection connection)
            NpgsqlConnection.ClearPool(connection);
    }
}
