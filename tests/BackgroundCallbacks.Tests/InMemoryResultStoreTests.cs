using BackgroundCallbacks.Caching;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public sealed class InMemoryResultStoreTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    private static InMemoryResultStore Create(FakeTimeProvider time, long limit) =>
        new(time, Options.Create(new BackgroundCallbacksOptions { ResultCacheSizeLimit = limit }));

    [Fact]
    public async Task Over_its_size_limit_the_cache_drops_the_least_recently_used_results_first()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time, limit: 110_000);
        var value = new string('x', 20_000); // about 20 KB each as UTF-8: five fit, the sixth overflows
        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"k{i}", value, Expiry, default);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.NotNull(await store.GetAsync("k0", Expiry, default)); // k0 is now the most recently used
        time.Advance(TimeSpan.FromSeconds(1));
        await store.SetAsync("k5", value, Expiry, default);

        Assert.True(store.Size <= 110_000, $"{store.Size} bytes held");
        Assert.NotNull(await store.GetAsync("k0", Expiry, default));
        Assert.NotNull(await store.GetAsync("k5", Expiry, default));
        Assert.Null(await store.GetAsync("k1", Expiry, default));
    }

    [Fact]
    public async Task A_result_larger_than_the_whole_cache_is_not_kept_and_evicts_nothing()
    {
        using var store = Create(new FakeTimeProvider(), limit: 10_000);
        await store.SetAsync("small", "[1]", Expiry, default);

        await store.SetAsync("huge", new string('x', 20_000), Expiry, default);

        Assert.Null(await store.GetAsync("huge", Expiry, default));
        Assert.Equal("[1]"u8.ToArray(), (await store.GetAsync("small", Expiry, default))?.ToArray());
    }

    [Fact]
    public async Task Writing_a_key_again_counts_its_size_once()
    {
        using var store = Create(new FakeTimeProvider(), limit: 1_000_000);
        await store.SetAsync("k", new string('x', 1_000), Expiry, default);
        var once = store.Size;

        for (var i = 0; i < 50; i++)
        {
            await store.SetAsync("k", new string('x', 1_000), Expiry, default);
        }

        Assert.Equal(once, store.Size);
        await store.RemoveAsync("k", default);
        Assert.Equal(0, store.Size);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Expired_results_leave_and_give_back_their_size()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time, limit: 1_000_000);
        await store.SetAsync("k", "[1]", TimeSpan.FromMinutes(5), default);

        time.Advance(TimeSpan.FromMinutes(6));

        Assert.Null(await store.GetAsync("k", TimeSpan.FromMinutes(5), default));
        Assert.Equal(0, store.Size);
    }
}
