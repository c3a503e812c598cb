using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Data;

/// <summary>A statement that fails on a bad value, twice (the second run prepares it), leaves the next good run working; on the running app's database.</summary>
[TestClass]
public sealed class DiscardConnectionAfterDataErrorTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_statement_refused_for_a_bad_value_still_answers_the_next_good_value()
    {
        string[] searches = ["a\0b", "a\0b", "@", "@"];
        var answers = new List<string>();
        foreach (var search in searches)
        {
            await using var scope = App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            try
            {
                answers.Add($"{await db.Users.CountAsync(u => u.Email!.Contains(search))} users");
            }
            catch (Exception failure) when (failure is Npgsql.PostgresException { SqlState: "22021" })
            {
                answers.Add("refused");
            }
        }

        // SQLite takes the NUL and finds nobody; PostgreSQL refuses it (invalid byte sequence for UTF8), and EF logs that.
        var onPostgreSql = App.Database.Provider == "PostgreSQL";
        Assert.HasCount(onPostgreSql ? 2 : 0, App.ServerErrors.Take("invalid byte sequence for encoding"));
        var refusal = onPostgreSql ? "refused" : "0 users";
        CollectionAssert.AreEqual(new[] { refusal, refusal }, answers.Take(2).ToArray());
        Assert.IsTrue(answers.Skip(2).All(answer => answer.EndsWith(" users")), string.Join(", ", answers));
    }
}
