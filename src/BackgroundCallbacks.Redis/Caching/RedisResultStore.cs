using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace BackgroundCallbacks.Redis.Caching;

/// <summary>
/// Cached outputs in Redis, one string per key. Expiry is Redis's own: a write sets the time to live, and a read is
/// a <c>GETEX</c> that returns the value and restarts its time to live in one command, so the sliding expiry holds
/// across every process and no sweeper is needed. Eviction generations, and the markers of startup clears, are one small hash on the jobs' connection
/// (<paramref name="generations"/>), never on a results Redis of its own that may evict it: a lost hash would bring
/// evicted results back.
/// </summary>
internal sealed class RedisResultStore(RedisConnection redis, RedisKeys keys, RedisConnection generations) : IResultStore
{
    private const string All = "*";

    /// <summary>The generation each callback's keys were last built with here (one entry per callback of the registry).</summary>
    private readonly ConcurrentDictionary<string, CacheGeneration> _seen = new(StringComparer.Ordinal);

    /// <summary>The fields each callback's generation is read from (one entry per callback of the registry).</summary>
    private readonly ConcurrentDictionary<string, RedisValue[]> _fields = new(StringComparer.Ordinal);

    private IDatabase? _results;

    /// <summary>A field no callback id can be (ids have no '!'): until when a manager's startup clear holds, in Redis's ms.</summary>
    private const string ClearMarker = "!cleared:";

    /// <summary>
    /// Claims the manager's marker and advances its callbacks' generations in one step, on the one hash, so processes
    /// starting together clear once and a crash cannot leave a claim without its clear. The time is Redis's own, so the
    /// processes' clocks do not matter.
    /// </summary>
    private const string ClearScript = """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if held > ms then
          return 0
        end
        redis.call('HSET', KEYS[1], ARGV[1], ms + tonumber(ARGV[2]))
        for i = 3, #ARGV do
          redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
        end
        return 1
        """;

    public async ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var results = await ResultsAsync().ConfigureAwait(false);
        RedisValue stored;
        try
        {
            stored = await results.StringGetSetExpiryAsync(key, slidingExpiry).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw RedisFailures.Unavailable(e);
        }

        return Decode(stored);
    }

    /// <summary>
    /// Reads the generation and, at the same time, the value under the key of the generation this process saw last, so
    /// a hit costs one round trip of latency instead of two. The value counts only when the generation read is the one
    /// assumed; after an eviction the key of the new generation is read as well. Exact, never a stale hit: the
    /// generation is read on every lookup.
    /// </summary>
    /// <remarks>
    /// The hot path of every hit: both commands are sent and awaited here, in one state machine, with the failure
    /// mapping written out, rather than through <see cref="GetAsync"/>, <see cref="GenerationAsync"/> and a guard each,
    /// which cost a state machine and a closure apiece per hit. Its own state machine is pooled: a hit waits here.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CacheLookup> LookUpAsync<TState>(string callbackId, TState state, Func<TState, CacheGeneration, string> keyFor, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        if (!_seen.TryGetValue(callbackId, out var assumed))
        {
            var first = await GenerationAsync(callbackId, cancellationToken).ConfigureAwait(false);
            _seen[callbackId] = first;
            var firstKey = keyFor(state, first);
            return new CacheLookup(firstKey, await GetAsync(firstKey, slidingExpiry, cancellationToken).ConfigureAwait(false));
        }

        var key = keyFor(state, assumed);
        var generationsDb = await generations.DatabaseAsync().ConfigureAwait(false);
        var results = await ResultsAsync().ConfigureAwait(false);
        Task<RedisValue[]> generationRead;
        Task<RedisValue> valueRead;
        try
        {
            generationRead = generationsDb.HashGetAsync(keys.CacheGenerations, FieldsOf(callbackId));
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw RedisFailures.Unavailable(e);
        }

        try
        {
            valueRead = results.StringGetSetExpiryAsync(key, slidingExpiry);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            await ObserveAsync(generationRead).ConfigureAwait(false);
            throw RedisFailures.Unavailable(e);
        }

        CacheGeneration current;
        try
        {
            current = Generation(await generationRead.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            await ObserveAsync(valueRead).ConfigureAwait(false);
            if (RedisFailures.IsUnavailable(e))
            {
                throw RedisFailures.Unavailable(e);
            }

            throw;
        }

        RedisValue stored;
        try
        {
            stored = await valueRead.ConfigureAwait(false);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw RedisFailures.Unavailable(e);
        }

        if (current == assumed)
        {
            return new CacheLookup(key, Decode(stored));
        }

        _seen[callbackId] = current;
        key = keyFor(state, current);
        return new CacheLookup(key, await GetAsync(key, slidingExpiry, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask SetAsync(string key, string outputsJson, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var results = await ResultsAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(
            (results, key, value: ResultCodec.Encode(outputsJson), slidingExpiry),
            static s => s.results.StringSetAsync(s.key, s.value, s.slidingExpiry)).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        var results = await ResultsAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync((results, key), static s => s.results.KeyDeleteAsync(s.key)).ConfigureAwait(false);
    }

    public async ValueTask<CacheGeneration> GenerationAsync(string callbackId, CancellationToken cancellationToken)
    {
        var db = await generations.DatabaseAsync().ConfigureAwait(false);
        var values = await RedisFailures.GuardAsync(
            (db, key: keys.CacheGenerations, fields: FieldsOf(callbackId)),
            static s => s.db.HashGetAsync(s.key, s.fields)).ConfigureAwait(false);
        return Generation(values);
    }

    public async ValueTask AdvanceAsync(string? callbackId, CancellationToken cancellationToken)
    {
        var db = await generations.DatabaseAsync().ConfigureAwait(false);
        await RedisFailures.GuardAsync(
            (db, key: keys.CacheGenerations, field: callbackId ?? All),
            static s => s.db.HashIncrementAsync(s.key, s.field)).ConfigureAwait(false);
    }

    public async ValueTask<bool> ClearOnStartupAsync(string manager, IReadOnlyCollection<string> callbackIds, TimeSpan window, CancellationToken cancellationToken)
    {
        var db = await generations.DatabaseAsync().ConfigureAwait(false);
        RedisValue[] arguments = [ClearMarker + manager, (long)window.TotalMilliseconds, .. callbackIds.Select(id => (RedisValue)id)];
        var cleared = await RedisFailures.GuardAsync(() => db.ScriptEvaluateAsync(ClearScript, [keys.CacheGenerations], arguments)).ConfigureAwait(false);
        return (long)cleared == 1;
    }

    /// <summary>
    /// The results' database: the default one with the results' prefix put before each key as it is sent, so a key is
    /// never concatenated into a string of its own. Made once, on first use.
    /// </summary>
    private async ValueTask<IDatabase> ResultsAsync()
    {
        if (Volatile.Read(ref _results) is { } results)
        {
            return results;
        }

        results = (await redis.DatabaseAsync().ConfigureAwait(false)).WithKeyPrefix(keys.ResultPrefix);
        Volatile.Write(ref _results, results);
        return results;
    }

    /// <summary>The fields of a callback's generation (every callback's, then its own), made once per callback.</summary>
    private RedisValue[] FieldsOf(string callbackId) => _fields.GetOrAdd(callbackId, static id => [All, id]);

    private static CacheGeneration Generation(RedisValue[] values) => new(Number(values[0]), Number(values[1]));

    private static ReadOnlyMemory<byte>? Decode(RedisValue stored)
    {
        if (stored.IsNull)
        {
            // Spelled out: in a conditional, null would become an empty ReadOnlyMemory (through byte[]), a hit of nothing.
            return null;
        }

        // The reply's own bytes, not a copy: a plain result is a slice of them.
        return ResultCodec.Decode((ReadOnlyMemory<byte>)stored);
    }

    private static async ValueTask ObserveAsync(Task read)
    {
        try
        {
            await read.ConfigureAwait(false);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e) || e is RedisException)
        {
            // The other read failed too, and its error is the one reported.
        }
    }

    private static long Number(RedisValue value) => value.IsNull ? 0 : (long)value;
}
