using BackgroundCallbacks.Redis.Connections;
using Hangfire.Redis.StackExchange;
using Hangfire.Server;
using Hangfire.Storage;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Queueing;

#pragma warning disable CS0618, CS0672 // Hangfire.Redis.StackExchange still gives its watchers as IServerComponent.

/// <summary>
/// Our own Hangfire storage on Redis, under its own prefix. A worker that dies mid-job is recovered by the storage's
/// fetched-jobs watcher: each pass requeues the fetched jobs whose server is gone (removed by Hangfire's server
/// watchdog once its heartbeat is older than the server timeout) or whose invisibility timeout ran out. The watcher
/// waits a fixed minute between passes; that wait is cut to <c>DeadWorkerCheckInterval</c>, so the time to recover
/// is set by our options alone. Our <see cref="LostFetchWatcher"/> runs in the same pass, and an idle system skips both.
/// </summary>
internal sealed class CallbackRedisStorage : RedisStorage
{
    internal const string FetchedJobsWatcherName = "FetchedJobsWatcher";

    private readonly TimeSpan _watcherPeriod;
    private readonly LostFetchWatcher _lostFetches;

    private CallbackRedisStorage(IConnectionMultiplexer redis, RedisStorageOptions options, TimeSpan watcherPeriod, TimeSpan lostFetchAfter)
        : base(redis, options)
    {
        _watcherPeriod = watcherPeriod;
        _lostFetches = new LostFetchWatcher(redis, options.Prefix, lostFetchAfter);
        Prefix = options.Prefix;
    }

    /// <summary>The prefix of the storage's keys (Hangfire keeps its own private).</summary>
    internal string Prefix { get; }

    /// <param name="redis">Hangfire's connection.</param>
    /// <param name="options">The storage's options.</param>
    /// <param name="watcherPeriod">How often the watchers look for jobs to put back.</param>
    /// <param name="lostFetchAfter">After how long a fetched job never begun counts as lost (see <see cref="LostFetchWatcher"/>).</param>
    public static CallbackRedisStorage Create(IConnectionMultiplexer redis, RedisStorageOptions options, TimeSpan watcherPeriod, TimeSpan lostFetchAfter)
    {
        var storage = new CallbackRedisStorage(redis, options, watcherPeriod, lostFetchAfter);
        if (!storage.BaseComponents().Any(IsFetchedJobsWatcher))
        {
            throw new InvalidOperationException(
                "This version of Hangfire.Redis.StackExchange has no FetchedJobsWatcher, which BackgroundCallbacks.Redis relies on to run the jobs of dead workers again.");
        }

        return storage;
    }

    public override IEnumerable<IServerComponent> GetComponents() =>
        BaseComponents().Select(c => IsFetchedJobsWatcher(c) ? new BoundedPassComponent(c, _watcherPeriod, _lostFetches) : c);

    public override IStorageConnection GetConnection()
    {
        try
        {
            return base.GetConnection();
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw RedisFailures.Unavailable(e);
        }
    }

    private static bool IsFetchedJobsWatcher(IServerComponent component) =>
        component.GetType().Name == FetchedJobsWatcherName;

    private IEnumerable<IServerComponent> BaseComponents() => base.GetComponents();
}
