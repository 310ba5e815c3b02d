using System.Globalization;
using System.Security.Cryptography;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.ServerSide;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The Redis store of server-side values keeps the store contract in a real Redis, whose clock runs the expiry: a short
/// expiry, and real time passing. Its own cases look at the keys: chunks, temporary lists, the two times to live.
/// </summary>
public sealed class RedisValueStoreContractTests(RedisFixture fixture) : ValueStoreContractTests, IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(2);
    private static readonly CancellationToken None = CancellationToken.None;

    // xunit makes an instance per test, and each contract case creates one store.
    private (BackendHarness Backend, string Prefix)? _contractStore;

    protected override async Task<ValueStoreUnderTest> CreateStoreAsync(FakeTimeProvider time, long sizeLimit)
    {
        var (backend, store, prefix) = await CreateAsync(sizeLimit);
        _contractStore = (backend, prefix);
        return new ValueStoreUnderTest(store, Expiry, backend.DisposeAsync);
    }

    /// <summary>
    /// Redis runs the expiry on its own clock, which a test cannot move: instead of waiting (which a loaded machine
    /// stretches past the expiry being tested), every key of the store gets its time to live shortened by the span, and
    /// a key whose time would have run out is removed, as Redis would have expired it.
    /// </summary>
    protected override async Task PassAsync(ValueStoreUnderTest sut, FakeTimeProvider time, TimeSpan span)
    {
        var (backend, prefix) = _contractStore!.Value;
        foreach (var key in await KeysAsync(backend, prefix))
        {
            if (await backend.Db.KeyTimeToLiveAsync(key) is not { } left)
            {
                continue;
            }

            if (left <= span)
            {
                await backend.Db.KeyDeleteAsync(key);
            }
            else
            {
                await backend.Db.KeyExpireAsync(key, left - span);
            }
        }
    }

    [Fact]
    public async Task A_large_value_is_sent_and_read_in_chunks()
    {
        var (backend, store, prefix) = await CreateAsync(64L * 1024 * 1024);
        await using var _ = backend;
        var bytes = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 5);
        var id = RandomIds.New();

        await store.WriteAsync(id, "owner-1", (stream, token) => stream.WriteAsync(bytes, token).AsTask(), None);

        Assert.Equal(21, await backend.Db.ListLengthAsync(store.DataKey(id)));
        Assert.Equal(RedisValueStore.ChunkSize, (await backend.Db.ListGetByIndexAsync(store.DataKey(id), 0)).Length());
        Assert.Equal(bytes, await ReadAllAsync(store, id));
        Assert.Equal(new[] { store.DataKey(id).ToString(), store.MetaKey(id).ToString() }.Order(), (await KeysAsync(backend, prefix)).Order());
    }

    [Fact]
    public async Task A_write_that_fails_or_is_cancelled_leaves_no_temporary_list()
    {
        var (backend, store, prefix) = await CreateAsync(64L * 1024 * 1024);
        await using var _ = backend;
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(RandomIds.New(), "owner-1", async (stream, token) =>
        {
            await stream.WriteAsync(new byte[3 * RedisValueStore.ChunkSize + 10], token);
            throw new InvalidOperationException("The serializer failed half way.");
        }, None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(RandomIds.New(), null, async (stream, token) =>
        {
            await stream.WriteAsync(new byte[2 * RedisValueStore.ChunkSize], token);
            await cancel.CancelAsync();
            await stream.WriteAsync(new byte[RedisValueStore.ChunkSize], token);
        }, cancel.Token));

        Assert.Empty(await KeysAsync(backend, prefix));
    }

    [Fact]
    public async Task A_value_over_the_cap_is_refused_as_soon_as_it_passes_it()
    {
        var (backend, store, prefix) = await CreateAsync(3L * RedisValueStore.ChunkSize);
        await using var _ = backend;
        var written = 0;

        await Assert.ThrowsAsync<ValueTooLargeException>(() => store.WriteAsync(RandomIds.New(), "owner-1", async (stream, token) =>
        {
            for (var i = 0; i < 10; i++)
            {
                await stream.WriteAsync(new byte[RedisValueStore.ChunkSize], token);
                written++;
            }
        }, None));

        Assert.Equal(3, written);
        Assert.Empty(await KeysAsync(backend, prefix));
    }

    [Fact]
    public async Task The_metadata_outlives_the_data_by_a_day_then_the_id_is_missing()
    {
        var (backend, store, _) = await CreateAsync(1024 * 1024);
        await using var __ = backend;
        var id = RandomIds.New();
        await store.WriteAsync(id, "owner-1", (stream, token) => stream.WriteAsync(new byte[] { 1, 2, 3 }, token).AsTask(), None);

        var data = (await backend.Db.KeyTimeToLiveAsync(store.DataKey(id)))!.Value;
        var meta = (await backend.Db.KeyTimeToLiveAsync(store.MetaKey(id)))!.Value;
        Assert.InRange(data, Expiry - TimeSpan.FromSeconds(1), Expiry);
        Assert.InRange(meta - data, RedisValueStore.ExpiredNotice - TimeSpan.FromSeconds(1), RedisValueStore.ExpiredNotice + TimeSpan.FromSeconds(1));

        var deadline = DateTime.UtcNow + Expiry + TimeSpan.FromSeconds(5);
        while (await backend.Db.KeyExistsAsync(store.DataKey(id)))
        {
            Assert.True(DateTime.UtcNow < deadline, "Redis kept the data long after its expiry.");
            await Task.Delay(50);
        }

        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync(id, None));
        Assert.InRange((await backend.Db.KeyTimeToLiveAsync(store.MetaKey(id)))!.Value, RedisValueStore.ExpiredNotice - TimeSpan.FromSeconds(5), RedisValueStore.ExpiredNotice);

        // The day passes: Redis drops the metadata.
        await backend.Db.KeyExpireAsync(store.MetaKey(id), TimeSpan.FromMilliseconds(1));
        await Task.Delay(20);
        Assert.Equal(ValueLookup.Missing, await store.LookupAsync(id, None));
    }

    [Fact]
    public async Task A_lookup_never_transfers_the_value()
    {
        var (backend, store, _) = await CreateAsync(64L * 1024 * 1024);
        await using var _ = backend;
        var id = RandomIds.New();
        await store.WriteAsync(id, null, (stream, token) => stream.WriteAsync(new byte[8 * 1024 * 1024], token).AsTask(), None);

        // INFO is an admin command: a connection of its own that may send it.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString + ",allowAdmin=true");
        var before = await SentBytesAsync(admin);
        Assert.Equal(new ValueLookup(ValueState.Present, null), await store.LookupAsync(id, None));
        var afterLookup = await SentBytesAsync(admin);
        await ReadAllAsync(store, id);
        var afterRead = await SentBytesAsync(admin);

        // What Redis sent in all, to every client: the lookup's answer and an INFO reply, against the read's 8 MB.
        Assert.InRange(afterLookup - before, 0, 64 * 1024);
        Assert.InRange(afterRead - afterLookup, 8 * 1024 * 1024, 9 * 1024 * 1024);
    }

    [Fact]
    public async Task UseRedis_makes_the_default_store_Redis_so_another_process_reads_what_one_wrote()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var writer = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        await using var reader = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        var written = writer.Services.GetRequiredService<ValueStores>().Get(ValueStores.DefaultName);
        var read = reader.Services.GetRequiredService<ValueStores>().Get(ValueStores.DefaultName);
        var id = RandomIds.New();

        await written.WriteAsync(id, "owner-1", (stream, token) => stream.WriteAsync(new byte[] { 7, 8 }, token).AsTask(), None);

        Assert.IsType<RedisValueStore>(written);
        Assert.Equal(new ValueLookup(ValueState.Present, "owner-1"), await read.LookupAsync(id, None));
        Assert.Equal([7, 8], await ReadAllAsync(read, id));
        await writer.Db.KeyDeleteAsync([((RedisValueStore)written).DataKey(id), ((RedisValueStore)written).MetaKey(id)]);
    }

    [Fact]
    public async Task A_named_Redis_store_is_added_next_to_the_default_one_and_a_later_default_wins()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false)
            .UseRedis(fixture.Redis.ConnectionString)
            .AddRedisValueStore("big", o => o.KeyPrefix = "big:")
            .AddMemoryValueStore("small");
        await using var provider = services.BuildServiceProvider();
        var stores = provider.GetRequiredService<ValueStores>();

        Assert.IsType<RedisValueStore>(stores.Get("big"));
        Assert.IsType<RedisValueStore>(stores.Get(ValueStores.DefaultName));
        Assert.IsType<MemoryValueStore>(stores.Get("small"));

        var own = new ServiceCollection();
        own.AddLogging();
        own.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false)
            .AddMemoryValueStore(ValueStores.DefaultName)
            .UseRedis(fixture.Redis.ConnectionString);
        await using var ownProvider = own.BuildServiceProvider();
        Assert.IsType<MemoryValueStore>(ownProvider.GetRequiredService<ValueStores>().Get(ValueStores.DefaultName));
    }

    [Fact]
    public void A_Redis_store_without_the_Redis_backend_says_so()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false).AddRedisValueStore("big");
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ValueStores>().Get("big"));
        Assert.Contains("UseRedis", e.Message, StringComparison.Ordinal);
    }

    private async Task<(BackendHarness Backend, RedisValueStore Store, string Prefix)> CreateAsync(long maxValueSize)
    {
        // A prefix of its own: each test sees only its own keys on the shared server.
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":v:";
        var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var options = new RedisValueStoreOptions { KeyPrefix = prefix, Expiry = Expiry, MaxValueSize = maxValueSize };
        return (backend, new RedisValueStore("redis", options, backend.Provider.Values), prefix);
    }

    private static async Task<string[]> KeysAsync(BackendHarness backend, string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in backend.Inspector.GetServer(backend.Inspector.GetEndPoints()[0]).KeysAsync(pattern: prefix + "*"))
        {
            keys.Add(key!);
        }

        return [.. keys];
    }

    private static async Task<long> SentBytesAsync(ConnectionMultiplexer admin)
    {
        var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).Single(p => p.Key == "total_net_output_bytes").Value, CultureInfo.InvariantCulture);
    }

    private static async Task<byte[]> ReadAllAsync(IValueStore store, string id)
    {
        var stream = await store.OpenReadAsync(id, None);
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
