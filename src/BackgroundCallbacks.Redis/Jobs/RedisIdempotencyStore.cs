using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// <c>Idempotency-Key</c> records in Redis, one string each with Redis's own expiry, on the jobs' connection (a results
/// Redis of its own may evict, and a record must outlive the job it names). The reservation is one script: set when
/// absent, else return what is there, which <c>SET NX GET</c> does only from Redis 7.
/// </summary>
internal sealed class RedisIdempotencyStore(RedisConnection redis, RedisKeys keys) : IIdempotencyStore
{
    private const string ReserveScript = """
        local held = redis.call('GET', KEYS[1])
        if held then return held end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return false
        """;

    public async ValueTask<string?> ReserveAsync(string key, string reservation, TimeSpan hold, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        var held = await RedisFailures.GuardAsync(() => db.ScriptEvaluateAsync(
            ReserveScript, [keys.Idempotency(key)], [reservation, (long)Math.Ceiling(hold.TotalMilliseconds)])).ConfigureAwait(false);
        return held.IsNull ? null : (string?)held;
    }

    public async ValueTask SetAsync(string key, string record, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(() => db.StringSetAsync(keys.Idempotency(key), record, lifetime)).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(() => db.KeyDeleteAsync(keys.Idempotency(key))).ConfigureAwait(false);
    }
}
