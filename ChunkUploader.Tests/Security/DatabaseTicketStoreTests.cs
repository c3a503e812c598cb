using System.Security.Claims;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkUploader.Tests.Security;

/// <summary>The session store against the running app's database, with a cache that can hold a read at its last step.</summary>
[TestClass]
public sealed class DatabaseTicketStoreTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task A_read_that_raced_a_sign_out_does_not_keep_the_session_alive()
    {
        await AssertRaceEndsSessionAsync((store, key, _) => store.RemoveAsync(key, CancellationToken.None));
    }

    [TestMethod]
    public async Task A_read_that_raced_the_end_of_all_of_a_users_sessions_does_not_keep_one_alive()
    {
        await AssertRaceEndsSessionAsync((store, _, userId) => store.RemoveAllOfAsync(userId, CancellationToken.None));
    }

    [TestMethod]
    public async Task A_change_one_request_makes_to_its_ticket_is_not_seen_by_the_next()
    {
        var user = await App.CreateUserAsync();
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var store = new DatabaseTicketStore(App.Services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System, cache);
        var key = await store.StoreAsync(Ticket(user.Id), CancellationToken.None);

        var first = await store.RetrieveAsync(key, CancellationToken.None);
        first!.Properties.ExpiresUtc = DateTimeOffset.UtcNow.AddYears(10);
        first.Principal.Identities.Single().AddClaim(new Claim(ClaimTypes.Role, "Admin"));
        var second = await store.RetrieveAsync(key, CancellationToken.None);

        Assert.IsTrue(second!.Properties.ExpiresUtc < DateTimeOffset.UtcNow.AddDays(1), "the stored expiry, not the first request's");
        Assert.IsFalse(second.Principal.IsInRole("Admin"));
        Assert.AreEqual(user.Id, second.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
    }

    /// <summary>A read finds the session, the session is ended while that read is about to remember it, then the read finishes.</summary>
    private static async Task AssertRaceEndsSessionAsync(Func<DatabaseTicketStore, string, string, Task> end)
    {
        var user = await App.CreateUserAsync();
        using var cache = new HeldCache();
        var store = new DatabaseTicketStore(App.Services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System, cache);
        var key = await store.StoreAsync(Ticket(user.Id), CancellationToken.None);

        cache.HoldNextWrite();
        var racingRead = Task.Run(() => store.RetrieveAsync(key, CancellationToken.None));
        Assert.IsTrue(cache.WriteHeld.Wait(TimeSpan.FromSeconds(30)), "the read found the session and is about to remember it");
        await end(store, key, user.Id);
        cache.Release();

        Assert.IsNotNull(await racingRead, "the read began before the session ended");
        Assert.IsNull(await store.RetrieveAsync(key, CancellationToken.None), "once ended, the session signs nobody in");
    }

    private static AuthenticationTicket Ticket(string userId) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], "Test")),
            new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddHours(1) }, "Identity.Application");

    /// <summary>A memory cache whose next entry, once asked for, waits until released before it is stored.</summary>
    private sealed class HeldCache : IMemoryCache
    {
        private readonly MemoryCache _inner = new(new MemoryCacheOptions());
        private readonly ManualResetEventSlim _release = new(true);
        private volatile bool _holdNext;

        public ManualResetEventSlim WriteHeld { get; } = new(false);

        public void HoldNextWrite()
        {
            _release.Reset();
            _holdNext = true;
        }

        public void Release() => _release.Set();

        public ICacheEntry CreateEntry(object key)
        {
            if (_holdNext)
            {
                _holdNext = false;
                WriteHeld.Set();
                _release.Wait(TimeSpan.FromSeconds(30));
            }
            return _inner.CreateEntry(key);
        }

        public bool TryGetValue(object key, out object? value) => _inner.TryGetValue(key, out value);

        public void Remove(object key) => _inner.Remove(key);

        public void Dispose()
        {
            _inner.Dispose();
            _release.Dispose();
            WriteHeld.Dispose();
        }
    }
}
