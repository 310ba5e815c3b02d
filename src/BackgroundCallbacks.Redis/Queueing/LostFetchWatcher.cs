using System.Globalization;
using BackgroundCallbacks.Redis.Connections;
using Hangfire.Server;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Queueing;

#pragma warning disable CS0618 // Storage components are still IServerComponent in Hangfire.Redis.StackExchange.

/// <summary>
/// Puts back in their queue the jobs a worker took and lost before it began them. Hangfire.Redis fetches a job in two
/// writes: it moves the id to the queue's dequeued list, then stamps the job <c>Fetched</c>. Should the second write's
/// answer time out (a connection backed up by hundreds of workers), the fetch throws although Redis applied the stamp:
/// the job sits in the dequeued list, stamped, never processed, and the storage's own watcher leaves it there for the
/// whole invisibility timeout (hours), because it has no server to declare dead. A job stamped longer ago than
/// <c>DeadWorkerTimeout</c> and still <c>Enqueued</c> was lost this way: no worker moves a job to <c>Processing</c> that
/// slowly, and a worker that died meanwhile would be counted dead by then anyway.
/// </summary>
internal sealed class LostFetchWatcher(IConnectionMultiplexer redis, string prefix, TimeSpan lostAfter, TimeSpan period) : IServerComponent
{
    private const string Requeue = """
        if redis.call('HGET', KEYS[1], 'Fetched') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'State') ~= 'Enqueued' then return 0 end
        redis.call('LREM', KEYS[2], -1, ARGV[2])
        redis.call('HDEL', KEYS[1], 'Fetched', 'Checked')
        redis.call('RPUSH', KEYS[3], ARGV[2])
        redis.call('PUBLISH', ARGV[3], ARGV[2])
        return 1
        """;

    /// <summary>How many jobs the passes so far put back; for tests and the log.</summary>
    internal int Requeued { get; private set; }

    public void Execute(CancellationToken cancellationToken)
    {
        try
        {
            Pass();
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Redis is away: the next pass looks again.
        }

        cancellationToken.WaitHandle.WaitOne(period);
    }

    public override string ToString() => nameof(LostFetchWatcher);

    internal void Pass()
    {
        var db = redis.GetDatabase();
        var cutoff = DateTime.UtcNow - lostAfter;
        foreach (var queue in db.SetMembers(prefix + "queues"))
        {
            var dequeued = prefix + "queue:" + queue + ":dequeued";
            foreach (var jobId in db.ListRange(dequeued))
            {
                var job = prefix + "job:" + jobId;
                var fields = db.HashGet(job, ["Fetched", "State"]);
                if (fields[0].IsNull || (string?)fields[1] != "Enqueued"
                    || !DateTime.TryParse((string?)fields[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var fetched)
                    || fetched > cutoff)
                {
                    continue;
                }

                if ((int)db.ScriptEvaluate(Requeue, [job, dequeued, prefix + "queue:" + queue], [fields[0], jobId, prefix + "JobFetchChannel"]) == 1)
                {
                    Requeued++;
                }
            }
        }
    }
}
