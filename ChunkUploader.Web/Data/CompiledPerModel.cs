using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace ChunkUploader.Web.Data;

/// <summary>
/// An EF Core compiled query, compiled once for each model it meets. A compiled query skips EF Core's per-call
/// expression work (on the probe, two thirds of its query time) but is bound to the model it was first run with, and a
/// process may host more than one (the PostgreSQL test pass runs a SQLite host beside PostgreSQL ones).
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];

    public TQuery For(DbContext db) => _byModel.GetValue(db.Model, _ => compile());
}
