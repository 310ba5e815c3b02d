using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Caching;

/// <summary>
/// Cached outputs in Redis, one string per key. Expiry is Redis's own: a write sets the time to live, and a read is
/// a <c>GETEX</c> that returns the value and restarts its time to live in one command, so the sliding expiry holds
/// across every process and no sweeper is needed. Eviction generations are one small hash on the jobs' connection
/// (<paramref name="generations"/>), never on a results Redis of its own that may evict it: a lost hash would bring
/// evicted results back.
/// </summary>
internal sealed class RedisResultStore(RedisConnection redis, RedisKeys keys, RedisConnection generations) : IResultStore
{
    private const string All = "*";

    public async ValueTask<string?> GetAsync(string key, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        var stored = await RedisFailures.GuardAsync(() => db.StringGetSetExpiryAsync(keys.Result(key), slidingExpiry)).ConfigureAwait(false);
        return stored.IsNull ? null : ResultCodec.Decode((byte[])stored!);
    }

    public async ValueTask SetAsync(string key, string outputsJson, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(() => db.StringSetAsync(keys.Result(key), ResultCodec.Encode(outputsJson), slidingExpiry)).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(() => db.KeyDeleteAsync(keys.Result(key))).ConfigureAwait(false);
    }

    public async ValueTask<CacheGeneration> GenerationAsync(string callbackId, CancellationToken cancellationToken)
    {
        var db = await generations.DatabaseAsync().ConfigureAwait(false);
        var values = await RedisFailures.GuardAsync(() => db.HashGetAsync(keys.CacheGenerations, [All, callbackId])).ConfigureAwait(false);
        return new CacheGeneration(Number(values[0]), Number(values[1]));
    }

    public async ValueTask AdvanceAsync(string? callbackId, CancellationToken cancellationToken)
    {
        var db = await generations.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(() => db.HashIncrementAsync(keys.CacheGenerations, callbackId ?? All)).ConfigureAwait(false);
    }

    private static long Number(RedisValue value) => value.IsNull ? 0 : (long)value;
}
