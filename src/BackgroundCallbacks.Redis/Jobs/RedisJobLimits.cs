using System.Globalization;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// The limits in Redis, shared by every process of the backend. Each line is three keys in one slot, changed by one
/// script per move; a move that changes the line is announced on the line's own changes channel (under the line's
/// watch name), so long polls and streams of waiting jobs in every process learn their new position.
/// </summary>
internal sealed class RedisJobLimits(RedisConnection connection, RedisKeys keys, TimeProvider time) : IJobLimits
{
    // How long the counts of an owner, and a callback's run times, outlive their last change.
    private static readonly TimeSpan CountTtl = TimeSpan.FromHours(24);
    private static readonly TimeSpan RunTimeTtl = TimeSpan.FromDays(7);

    // Hands the free places to the heads of the line; shared by enter and leave. KEYS: waiting, running.
    private const string Promote = """
        local granted = {}
        local max = tonumber(ARGV[2])
        while redis.call('ZCARD', KEYS[2]) < max do
          local head = redis.call('ZPOPMIN', KEYS[1])
          if #head == 0 then break end
          redis.call('ZADD', KEYS[2], ARGV[3], head[1])
          granted[#granted + 1] = head[1]
        end
        """;

    // KEYS: waiting, running. ARGV: job, max running, now (ms), channel, message, admitted (ms). Jobs admitted in the same
    // millisecond are ordered by their reference, which is random: either order is the order of admission.
    private static readonly string Enter = """
        local moved = false
        if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
          redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        elseif not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          redis.call('ZADD', KEYS[1], ARGV[6], ARGV[1])
          moved = true
        end
        """ + "\n" + Promote + "\n" + """
        if moved or #granted > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
        local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
        if not rank then rank = -1 end
        return {rank, granted}
        """;

    // KEYS: waiting, running. ARGV: job, max running, now (ms), channel, message.
    private static readonly string Leave = """
        local moved = redis.call('ZREM', KEYS[2], ARGV[1]) + redis.call('ZREM', KEYS[1], ARGV[1])
        """ + "\n" + Promote + "\n" + """
        if moved > 0 or #granted > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
        return granted
        """;

    // KEYS: waiting, running. ARGV: job.
    private const string Position = """
        local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
        if rank then return rank end
        if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
        return -1
        """;

    // KEYS: the partition's set. ARGV: handle, max, ttl (ms). Nil when counted, else the handles it holds.
    private const string Count = """
        if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return false end
        if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return redis.call('SMEMBERS', KEYS[1]) end
        redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return false
        """;

    public async ValueTask<LineMove> EnterAsync(string line, string jobId, int maxRunning, DateTimeOffset admitted, CancellationToken cancellationToken)
    {
        var keysOfLine = keys.Line(line);
        RedisValue[] arguments = [.. Arguments(line, jobId, maxRunning), admitted.ToUnixTimeMilliseconds()];
        var result = (RedisResult[])(await CallAsync(db => db.ScriptEvaluateAsync(Enter, [keysOfLine[0], keysOfLine[1]], arguments)).ConfigureAwait(false))!;
        var rank = (long)result[0];
        return new LineMove(Strings(result[1]), rank < 0 ? null : rank);
    }

    public async ValueTask<LineMove> LeaveAsync(string line, string jobId, int maxRunning, CancellationToken cancellationToken)
    {
        var keysOfLine = keys.Line(line);
        var result = await CallAsync(db => db.ScriptEvaluateAsync(Leave, [keysOfLine[0], keysOfLine[1]], Arguments(line, jobId, maxRunning))).ConfigureAwait(false);
        return new LineMove(Strings(result), null);
    }

    public async ValueTask RenewAsync(string line, string jobId, CancellationToken cancellationToken)
    {
        var running = keys.Line(line)[1];
        await CallAsync(db => db.SortedSetAddAsync(running, jobId, Now(), SortedSetWhen.Exists)).ConfigureAwait(false);
    }

    public async ValueTask<long?> PositionAsync(string line, string jobId, CancellationToken cancellationToken)
    {
        var keysOfLine = keys.Line(line);
        var rank = (long)(await CallAsync(db => db.ScriptEvaluateAsync(Position, [keysOfLine[0], keysOfLine[1]], [jobId])).ConfigureAwait(false));
        return rank < 0 ? null : rank;
    }

    public async ValueTask<long> WaitingAsync(string line, CancellationToken cancellationToken)
    {
        var waiting = keys.Line(line)[0];
        return await CallAsync(db => db.SortedSetLengthAsync(waiting)).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<KeyValuePair<string, DateTimeOffset>>> HoldersAsync(string line, CancellationToken cancellationToken)
    {
        var running = keys.Line(line)[1];
        var entries = await CallAsync(db => db.SortedSetRangeByRankWithScoresAsync(running)).ConfigureAwait(false);
        return entries.Select(e => new KeyValuePair<string, DateTimeOffset>(e.Element!, DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score))).ToArray();
    }

    public async ValueTask RecordRunTimeAsync(string callbackId, TimeSpan duration, CancellationToken cancellationToken)
    {
        var key = keys.RunTimes(callbackId);
        var db = await connection.DatabaseAsync().ConfigureAwait(false);
        var transaction = db.CreateTransaction();
        _ = transaction.ListLeftPushAsync(key, (long)duration.TotalMilliseconds);
        _ = transaction.ListTrimAsync(key, 0, InMemoryJobLimits.RunTimeSamples - 1);
        _ = transaction.KeyExpireAsync(key, RunTimeTtl);
        await RedisFailures.GuardAsync(() => transaction.ExecuteAsync()).ConfigureAwait(false);
    }

    public async ValueTask<TimeSpan?> MeanRunTimeAsync(string callbackId, CancellationToken cancellationToken)
    {
        var key = keys.RunTimes(callbackId);
        var samples = await CallAsync(db => db.ListRangeAsync(key, 0, InMemoryJobLimits.RunTimeSamples - 1)).ConfigureAwait(false);
        return samples.Length == 0 ? null : TimeSpan.FromMilliseconds(samples.Average(s => (double)(long)s));
    }

    public async ValueTask<IReadOnlyList<string>?> TryCountAsync(IReadOnlyList<string> partitions, string handle, int max, CancellationToken cancellationToken)
    {
        // One partition at a time (their keys may sit in different slots); a refusal takes back what was counted.
        for (var i = 0; i < partitions.Count; i++)
        {
            var key = keys.Counted(partitions[i]);
            var held = await CallAsync(db => db.ScriptEvaluateAsync(Count, [key], [handle, max, (long)CountTtl.TotalMilliseconds])).ConfigureAwait(false);
            if (!held.IsNull)
            {
                await UncountAsync(partitions.Take(i).ToArray(), [handle], cancellationToken).ConfigureAwait(false);
                return Strings(held);
            }
        }

        return null;
    }

    public async ValueTask UncountAsync(IReadOnlyList<string> partitions, IReadOnlyList<string> handles, CancellationToken cancellationToken)
    {
        var members = handles.Select(h => (RedisValue)h).ToArray();
        foreach (var partition in partitions)
        {
            var key = keys.Counted(partition);
            await CallAsync(db => db.SetRemoveAsync(key, members)).ConfigureAwait(false);
        }
    }

    private RedisValue[] Arguments(string line, string jobId, int maxRunning) =>
        [jobId, maxRunning, Now(), keys.ChangesName(IJobLimits.WatchName(line)), "v" + IJobLimits.WatchName(line)];

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string[] Strings(RedisResult result) => result.IsNull ? [] : ((RedisResult[])result!).Select(r => (string)r!).ToArray();

    private async ValueTask<T> CallAsync<T>(Func<IDatabase, Task<T>> operation)
    {
        var db = await connection.DatabaseAsync().ConfigureAwait(false);
        return await RedisFailures.GuardAsync(() => operation(db)).ConfigureAwait(false);
    }
}
