using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public sealed class MemoryValueStoreTests : ValueStoreContractTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(30);

    protected override Task<ValueStoreUnderTest> CreateStoreAsync(FakeTimeProvider time, long sizeLimit)
    {
        var store = new MemoryValueStore("memory", new MemoryValueStoreOptions { SizeLimit = sizeLimit, Expiry = Expiry }, time);
        return Task.FromResult(new ValueStoreUnderTest(store, Expiry, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }

    [Fact]
    public async Task Past_the_cap_the_least_recently_used_values_go_first_and_their_owners_hear_expired()
    {
        var time = new FakeTimeProvider();
        using var store = new MemoryValueStore("memory", new MemoryValueStoreOptions { SizeLimit = 1000, Expiry = Expiry }, time);
        string[] ids = ["a", "b", "c", "d"];
        foreach (var id in ids)
        {
            await store.WriteAsync(id, "owner-1", (s, t) => s.WriteAsync(new byte[300], t).AsTask(), CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(1));
            if (id == "b")
            {
                // "a" is read, so "b" is now the least recently used.
                Assert.Equal(ValueState.Present, (await store.LookupAsync("a", CancellationToken.None)).State);
            }
        }

        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync("b", CancellationToken.None));
        Assert.Equal(ValueState.Present, (await store.LookupAsync("a", CancellationToken.None)).State);
        Assert.Equal(ValueState.Present, (await store.LookupAsync("d", CancellationToken.None)).State);
        Assert.True(store.Size <= 1000, $"The store holds {store.Size} bytes.");
    }

    [Fact]
    public async Task An_expired_id_is_forgotten_after_a_day()
    {
        var time = new FakeTimeProvider();
        using var store = new MemoryValueStore("memory", new MemoryValueStoreOptions { Expiry = Expiry }, time);
        await store.WriteAsync("a", "owner-1", (s, t) => s.WriteAsync(new byte[3], t).AsTask(), CancellationToken.None);

        time.Advance(Expiry + TimeSpan.FromMinutes(1));
        Assert.Equal(ValueState.Expired, (await store.LookupAsync("a", CancellationToken.None)).State);
        time.Advance(MemoryValueStore.ExpiredNotice);

        Assert.Equal(ValueLookup.Missing, await store.LookupAsync("a", CancellationToken.None));
    }
}
