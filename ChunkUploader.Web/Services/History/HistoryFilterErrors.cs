using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ChunkUploader.Web.Services.History;

public static class HistoryFilterErrors
{
    /// <summary>One line naming each filter value that could not be read, e.g. "status: The value 'x' is not valid."</summary>
    public static string Describe(ModelStateDictionary state) =>
        "Invalid filter: " + string.Join(" ", state.Where(e => e.Value?.Errors.Count > 0)
            .Select(e => $"{e.Key}: {string.Join(" ", e.Value!.Errors.Select(x => x.ErrorMessage))}"));
}
