using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

/// <summary>The embedded job store keeps the store contract.</summary>
public sealed class InMemoryJobStoreTests : JobStoreContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(FakeTimeProvider time)
    {
        var store = new InMemoryJobStore(time, Options.Create(new BackgroundCallbacksOptions { AbandonedJobGrace = SightingsGrace }));
        return Task.FromResult(new StoreUnderTest(store, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
