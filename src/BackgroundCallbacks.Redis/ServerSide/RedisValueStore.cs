using System.Globalization;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.ServerSide;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.ServerSide;

/// <summary>
/// Server-side values in Redis. A value is a list of chunks (<c>{id}:d</c>) and a small hash of metadata
/// (<c>{id}:m</c>: owner, length, chunk count), both in the slot of the id's hash tag. A write streams its chunks into
/// a temporary list of the same tag and a script then renames it into place with its metadata, so a reader never sees
/// half a value and a failed write leaves only that list, which is deleted (or expires on its own should the process
/// die). Redis keeps the expiry: the data lives <see cref="RedisValueStoreOptions.Expiry"/> after its last use, the
/// metadata a day longer, so an id whose data went is reported expired, with its owner, for that day.
/// </summary>
internal sealed class RedisValueStore : IValueStore
{
    /// <summary>How long an id is remembered after its value went.</summary>
    public static readonly TimeSpan ExpiredNotice = TimeSpan.FromDays(1);

    internal const int ChunkSize = 1024 * 1024;

    /// <summary>
    /// An unfinished write's list lives at least this long after its last chunk: a writer may pause between chunks
    /// (a serializer walking a slow source), and a short expiry must not take the list from under it.
    /// </summary>
    private static readonly TimeSpan MinWriteIdle = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Puts a written value in place. KEYS: temporary list, data, metadata. ARGV: chunk count, length, data ttl, metadata
    /// ttl, owner (absent when shared). Answers 0 when the list is not whole (it expired during a very slow write).
    /// </summary>
    private const string Commit = """
        if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then
          redis.call('DEL', KEYS[1])
          return 0
        end
        redis.call('RENAME', KEYS[1], KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('DEL', KEYS[3])
        redis.call('HSET', KEYS[3], 'n', ARGV[1], 'len', ARGV[2])
        if ARGV[5] then
          redis.call('HSET', KEYS[3], 'o', ARGV[5])
        end
        redis.call('PEXPIRE', KEYS[3], ARGV[4])
        return 1
        """;

    /// <summary>
    /// Looks a value up and restarts its expiry, in one step, never reading the data. KEYS: data, metadata. ARGV: data
    /// ttl, metadata ttl. Answers {0} when missing, {1, has owner, owner} when expired, {2, has owner, owner, chunk
    /// count, length} when present.
    /// </summary>
    private const string Touch = """
        local meta = redis.call('HMGET', KEYS[2], 'n', 'len', 'o')
        if not meta[1] then
          return {0}
        end
        local owned = meta[3] and 1 or 0
        local owner = meta[3] or ''
        if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then
          return {1, owned, owner}
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        return {2, owned, owner, meta[1], meta[2]}
        """;

    private readonly string _name;
    private readonly RedisConnection _redis;
    private readonly string _prefix;
    private readonly long _max;
    private readonly long _dataTtl;
    private readonly long _metaTtl;
    private readonly TimeSpan _writeIdle;

    public RedisValueStore(string name, RedisValueStoreOptions options, RedisConnection redis)
    {
        _name = name;
        _redis = redis;
        _prefix = options.KeyPrefix;
        _max = options.MaxValueSize;
        _dataTtl = (long)options.Expiry.TotalMilliseconds;
        _metaTtl = (long)(options.Expiry + ExpiredNotice).TotalMilliseconds;
        _writeIdle = options.Expiry > MinWriteIdle ? options.Expiry : MinWriteIdle;
    }

    public async Task WriteAsync(string id, string? owner, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var db = await _redis.DatabaseAsync().ConfigureAwait(false);
        var temporary = TemporaryKey(id);
        var stream = new RedisValueWriteStream(db, temporary, _writeIdle, ChunkSize, _max, size => new ValueTooLargeException(
            $"The value is more than {size} bytes; the store '{_name}' holds values of at most {_max}."));
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.CompleteAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            RedisValue[] args = owner is null
                ? [stream.Chunks, stream.Written, _dataTtl, _metaTtl]
                : [stream.Chunks, stream.Written, _dataTtl, _metaTtl, owner];
            var committed = await RedisFailures.GuardAsync(() => db.ScriptEvaluateAsync(Commit, [temporary, DataKey(id), MetaKey(id)], args)).ConfigureAwait(false);
            if ((int)committed == 0)
            {
                throw new IOException($"The value written to the store '{_name}' expired before it was whole: the writer paused longer than {_writeIdle}.");
            }
        }
        catch
        {
            // Not the caller's token: the clean-up must run even when the write was cancelled.
            await DeleteAsync(db, temporary).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<ValueLookup> LookupAsync(string id, CancellationToken cancellationToken)
    {
        var (lookup, _, _) = await TouchAsync(id).ConfigureAwait(false);
        return lookup;
    }

    public async Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken)
    {
        var (lookup, chunks, length) = await TouchAsync(id).ConfigureAwait(false);
        return lookup.State == ValueState.Present
            ? new RedisValueReadStream(await _redis.DatabaseAsync().ConfigureAwait(false), DataKey(id), chunks, length)
            : null;
    }

    /// <summary>The list of a value's chunks.</summary>
    internal RedisKey DataKey(string id) => _prefix + "{" + id + "}:d";

    /// <summary>The hash of a value's metadata.</summary>
    internal RedisKey MetaKey(string id) => _prefix + "{" + id + "}:m";

    /// <summary>The list one write fills; writes of the same id never share one.</summary>
    private RedisKey TemporaryKey(string id) => _prefix + "{" + id + "}:w:" + Guid.NewGuid().ToString("N");

    private static async Task DeleteAsync(IDatabase db, RedisKey key)
    {
        try
        {
            await db.KeyDeleteAsync(key).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // The list expires on its own; the write's own failure is the one to report.
        }
    }

    private async Task<(ValueLookup Lookup, int Chunks, long Length)> TouchAsync(string id)
    {
        var db = await _redis.DatabaseAsync().ConfigureAwait(false);
        var answer = (RedisResult[])(await RedisFailures.GuardAsync(() => db.ScriptEvaluateAsync(Touch, [DataKey(id), MetaKey(id)], [_dataTtl, _metaTtl])).ConfigureAwait(false))!;
        var state = (int)answer[0];
        if (state == 0)
        {
            return (ValueLookup.Missing, 0, 0);
        }

        var owner = (int)answer[1] == 1 ? (string?)answer[2] : null;
        return state == 1
            ? (new ValueLookup(ValueState.Expired, owner), 0, 0)
            : (new ValueLookup(ValueState.Present, owner), int.Parse((string)answer[3]!, CultureInfo.InvariantCulture), long.Parse((string)answer[4]!, CultureInfo.InvariantCulture));
    }
}
