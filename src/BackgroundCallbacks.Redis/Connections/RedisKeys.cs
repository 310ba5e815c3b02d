using BackgroundCallbacks.Jobs;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// The names of everything this backend keeps in Redis, all under one prefix. Every key of one job, and the index entry
/// of its cache key, carry the job's tag in braces (a Redis Cluster hash tag), so each script touches one slot: for a
/// cached job the tag comes from the cache key, so identical invocations meet in the same slot.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>
    /// The pub/sub channel of one job's changes, or of a line's moves for a line's watch name
    /// (<see cref="IJobLimits.WatchName"/>). It carries the job's (the line's) tag, so on a cluster it hashes to the slot
    /// of the keys whose scripts publish on it.
    /// </summary>
    public RedisChannel Changes(string watchId) => RedisChannel.Literal(ChangesName(watchId));

    /// <inheritdoc cref="Changes"/>
    public string ChangesName(string watchId)
    {
        var linePrefix = IJobLimits.WatchName(string.Empty);
        if (watchId.StartsWith(linePrefix, StringComparison.Ordinal))
        {
            return Prefix + "n:l:{" + watchId[linePrefix.Length..].Replace('{', '(').Replace('}', ')') + "}";
        }

        return watchId.Length > JobHandles.TagLength
            ? Prefix + "n:{" + watchId[..JobHandles.TagLength] + "}" + watchId[JobHandles.TagLength..]
            : Prefix + "n:" + watchId;
    }

    /// <summary>The one sorted set of admissions not yet acknowledged, scored by when they were admitted (ms).</summary>
    public RedisKey Outbox { get; } = prefix + "outbox";

    /// <summary>A job's hash: its state, record and followers.</summary>
    public RedisKey Job(string jobId) => JobName(jobId);

    /// <summary>A job's side updates: a sorted set scored by the version that wrote each.</summary>
    public RedisKey Updates(string jobId) => JobName(jobId) + ":u";

    /// <summary>A job's progress log: a list of its last reports, oldest first.</summary>
    public RedisKey Progress(string jobId) => JobName(jobId) + ":p";

    /// <summary>Which unended job computes a cache key now, in the slot of the key's tag.</summary>
    public RedisKey Index(string key) => Prefix + "k:{" + JobHandles.TagOf(key) + "}" + key;

    /// <summary>The handle that holds a supersede slot; the slot is already a digest.</summary>
    public RedisKey Slot(string slot) => Prefix + "s:" + slot;

    public RedisKey Result(string key) => Prefix + ResultsInfix + key;

    /// <summary>What every cached result's key starts with, for a database that prefixes keys as it sends them.</summary>
    public RedisKey ResultPrefix => Prefix + ResultsInfix;

    private const string ResultsInfix = "r:";

    /// <summary>A line's waiting jobs (a sorted set by admission, ms) and its running places (by last sign of life, ms), in one slot.</summary>
    public RedisKey[] Line(string line)
    {
        var name = Prefix + "l:{" + line.Replace('{', '(').Replace('}', ')') + "}";
        return [name + ":w", name + ":r"];
    }

    /// <summary>A callback's recent run times (ms), newest first.</summary>
    public RedisKey RunTimes(string callbackId) => Prefix + "rt:" + callbackId;

    /// <summary>The followers counted against one partition (an owner, an address) of the per-owner job limit.</summary>
    public RedisKey Counted(string partition) => Prefix + "o:" + partition;

    /// <summary>The one small hash of result eviction generations: field <c>*</c> for every callback, else a callback's id.</summary>
    public RedisKey CacheGenerations { get; } = prefix + "generations";

    /// <summary>What an <c>Idempotency-Key</c> holds; the key is already a digest of the owner, callback and key.</summary>
    public RedisKey Idempotency(string key) => Prefix + "i:" + key;

    /// <summary>
    /// The one sorted set of unended jobs by when a follower last saw them (ms), kept only when abandoned jobs are
    /// cancelled; outside every job's tag, so it is written in steps of its own.
    /// </summary>
    public RedisKey Seen { get; } = prefix + "seen";

    private string JobName(string jobId) => Prefix + "j:{" + jobId[..JobHandles.TagLength] + "}" + jobId[JobHandles.TagLength..];
}
