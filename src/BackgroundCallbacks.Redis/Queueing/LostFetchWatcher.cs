using System.Globalization;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Queueing;

/// <summary>
/// Puts back in their queue the jobs a worker took and lost before it began them. Hangfire.Redis fetches a job in two
/// writes: it moves the id to the queue's dequeued list, then stamps the job <c>Fetched</c>. Should the second write's
/// answer time out (a connection backed up by hundreds of workers), the fetch throws although Redis applied the stamp:
/// the job sits in the dequeued list, stamped, never processed, and the storage's own watcher leaves it there for the
/// whole invisibility timeout (hours), because it has no server to declare dead. A job stamped longer ago than
/// <c>DeadWorkerTimeout</c> and still <c>Enqueued</c> was lost this way: no worker moves a job to <c>Processing</c> that
/// slowly, and a worker that died meanwhile would be counted dead by then anyway. It runs in the pass of
/// <see cref="BoundedPassComponent"/>, which skips it when no dequeued list holds a job.
/// </summary>
internal sealed class LostFetchWatcher(IConnectionMultiplexer redis, string prefix, TimeSpan lostAfter)
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

    /// <summary>One pass; a Redis that is away is met again by the next.</summary>
    internal void TryPass()
    {
        try
        {
            Pass();
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Redis is away: the next pass looks again.
        }
    }

    /// <summary>
    /// Looks at every queue once per pass, with one read of the queue set and two lengths per queue sent together.
    /// Answers whether any dequeued list holds a job: the only jobs this watcher and the storage's fetched-jobs watcher
    /// act on, so an idle system skips their passes. And when jobs wait in a queue, it sends the fetch channel's
    /// message, which wakes an idle worker in each process: a wake-up message that was lost (a reconnect, a requeue
    /// announced a moment before its job was in the queue) then costs one pass, not a whole fetch timeout, so the
    /// workers' own polling of the queues can be as slow as Hangfire's. An enqueue's lost wake-up is met sooner, by the
    /// enqueuing process's <see cref="FetchNudge"/>; this pass is what is left for the rest. True when Redis cannot be asked, so the
    /// watchers run and meet the failure themselves.
    /// </summary>
    internal bool Probe()
    {
        try
        {
            var db = redis.GetDatabase();
            var queues = db.SetMembers(prefix + "queues");
            var fetched = queues.Select(q => db.ListLengthAsync(prefix + "queue:" + q + ":dequeued")).ToArray();
            var waiting = queues.Select(q => db.ListLengthAsync(prefix + "queue:" + q)).ToArray();
            db.WaitAll([.. fetched, .. waiting]);
            if (waiting.Any(l => l.Result > 0))
            {
                db.Publish(RedisChannel.Literal(prefix + "JobFetchChannel"), "wake", CommandFlags.FireAndForget);
            }

            return fetched.Any(l => l.Result > 0);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            return true;
        }
    }

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
