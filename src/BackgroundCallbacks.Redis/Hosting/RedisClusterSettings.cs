using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Hosting;

/// <summary>
/// What changes when the Redis is a cluster, and which settings cannot work there. Our own keys carry a hash tag per
/// job (or per cache key, per value), so they spread over the shards and each script stays in one slot. Hangfire's
/// storage runs multi-key transactions and scripts over its whole key space, so all its keys must share one slot:
/// its prefix must carry a hash tag. The default prefix has none (existing standalone deployments keep their queued
/// jobs on upgrade), so on a cluster the default is replaced by its tagged form; a prefix the application chose is
/// never changed behind its back, and an untagged one is reported instead.
/// </summary>
internal static class RedisClusterSettings
{
    /// <summary>The default of <see cref="RedisCallbacksOptions.HangfirePrefix"/>.</summary>
    internal const string DefaultHangfirePrefix = "bgcb-hangfire:";

    /// <summary>What the default Hangfire prefix becomes on a cluster: every key of the storage in one slot.</summary>
    internal const string ClusterHangfirePrefix = "{bgcb-hangfire}:";

    /// <summary>
    /// Throws the backend's "unavailable" error until a node has answered: before that, a cluster looks like a single
    /// server, and a Hangfire storage built then would keep an untagged prefix for the life of the process.
    /// </summary>
    public static void EnsureConnected(IConnectionMultiplexer redis)
    {
        if (!redis.GetServers().Any(s => s.IsConnected))
        {
            throw RedisFailures.Unavailable(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No Redis server is connected yet."));
        }
    }

    /// <summary>Whether the multiplexer is connected to a Redis Cluster (any node it knows runs in cluster mode).</summary>
    public static bool IsCluster(IConnectionMultiplexer redis) =>
        redis.GetServers().Any(s => s.ServerType == ServerType.Cluster);

    /// <summary>Whether Redis Cluster hashes only part of the key: a '{' followed later by a '}' with something between.</summary>
    public static bool HasHashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return false;
        }

        var close = key.IndexOf('}', open + 1);
        return close > open + 1;
    }

    /// <summary>The prefix our Hangfire storage uses on this Redis.</summary>
    public static string HangfirePrefix(RedisCallbacksOptions options, bool cluster) =>
        cluster && options.HangfirePrefix == DefaultHangfirePrefix ? ClusterHangfirePrefix : options.HangfirePrefix;

    /// <summary>
    /// The settings that cannot work on this Redis, each said in a sentence that names the fix; empty when it is no
    /// cluster or all is well.
    /// </summary>
    /// <param name="options">The backend's options.</param>
    /// <param name="redis">A connection the backend uses.</param>
    /// <param name="setting">The option that connection came from, named in the messages.</param>
    /// <param name="forHangfire">Whether Hangfire's storage uses the connection, so its prefix matters.</param>
    public static List<string> Problems(RedisCallbacksOptions options, IConnectionMultiplexer redis, string setting, bool forHangfire)
    {
        EnsureConnected(redis);
        var problems = new List<string>();
        if (!IsCluster(redis))
        {
            return problems;
        }

        var database = redis.GetDatabase().Database;
        if (database != 0)
        {
            problems.Add($"The Redis of {setting} is a cluster, which has database 0 only, but database {database} is configured: remove defaultDatabase from the connection.");
        }

        if (forHangfire && !HasHashTag(HangfirePrefix(options, cluster: true)))
        {
            problems.Add(
                $"The Redis of {setting} is a cluster, but HangfirePrefix ('{options.HangfirePrefix}') has no hash tag, so Hangfire's multi-key " +
                $"operations would span slots and fail: set a prefix with a hash tag, such as '{{{options.HangfirePrefix.TrimEnd(':')}}}:'.");
        }

        return problems;
    }
}
