using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Redis.Connections;

namespace BackgroundCallbacks.Redis.Caching;

/// <summary>
/// Cached outputs in Redis, one string per key. Expiry is Redis's own: a write sets the time to live, and a read is
/// a <c>GETEX</c> that returns the value and restarts its time to live in one command, so the sliding expiry holds
/// across every process and no sweeper is needed.
/// </summary>
internal sealed class RedisResultStore(RedisConnection redis, RedisKeys keys) : IResultStore
{
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
}
