using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The Redis job store keeps the store contract, atomically, in a real Redis: the same cases as the embedded store's.</summary>
public sealed class RedisJobStoreContractTests(RedisFixture fixture) : JobStoreContractTests, IClassFixture<RedisFixture>
{
    protected override async Task<StoreUnderTest> CreateStoreAsync(FakeTimeProvider time)
    {
        // A prefix of its own: each test starts with an empty store, outbox included, on the shared server.
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix, o => o.AbandonedJobGrace = SightingsGrace, time: time);
        return new StoreUnderTest(backend.Jobs, backend.DisposeAsync);
    }
}
