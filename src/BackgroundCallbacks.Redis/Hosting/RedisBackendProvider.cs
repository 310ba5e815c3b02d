using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Caching;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Diagnostics;
using BackgroundCallbacks.Queueing;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Queueing;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Hosting;

/// <summary>
/// The Redis backend, shared by every manager: results, jobs and the queue on our own Hangfire storage. Building it
/// never touches Redis: each connection is made on its first use (see <see cref="RedisConnection"/>), so a Redis that
/// is down at startup only makes requests answer 503 until it is reachable. From a connection string or the
/// application's <c>ConfigurationOptions</c> it opens connections of its own: one for job state and results (another
/// when results have a Redis of their own) and one for Hangfire. Given the application's multiplexer, it uses that one
/// for both, because a copy made from it could not carry what the application configured in code (an Entra ID token
/// provider, certificate callbacks); it never disposes it.
/// </summary>
internal sealed class RedisBackendProvider : ICallbackBackendProvider, IDisposable
{
    /// <summary>
    /// How long a call on Hangfire's connection may take. No request waits on it (only the enqueuer's threads and the
    /// workers do), so it is generous: with hundreds of workers a process queues hundreds of blocking calls on it, and a
    /// call timed out in that queue is one Hangfire may have half done.
    /// </summary>
    internal static readonly TimeSpan QueueOperationTimeout = TimeSpan.FromSeconds(15);

    private readonly RedisConnection _jobs;
    private readonly RedisConnection _results;
    private readonly RedisConnection _queue;
    private readonly RedisJobStore _store;
    private readonly RedisJobQueue _jobQueue;
    private readonly CallbackBackend _backend;
    private int _shape; // 0 not known yet, 1 one server, 2 a cluster

    public RedisBackendProvider(
        IOptions<RedisCallbacksOptions> redisOptions,
        IOptions<BackgroundCallbacksOptions> options,
        IServiceProvider services,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var settings = redisOptions.Value;
        var logger = loggers.CreateLogger("BackgroundCallbacks.Redis");
        _jobs = Connection(settings, services, logger, settings.OperationTimeout);
        _results = settings.ResultsConnectionString is { } results && results != settings.ConnectionString
            ? RedisConnection.Open(RedisConnectionFactory.Configure(results, settings.OperationTimeout), nameof(settings.ResultsConnectionString), logger)
            : _jobs;

        // Hangfire gets a connection of its own: its workers' blocking calls never queue behind, or ahead of, the
        // requests' calls, and its timeout can be long without making a request wait.
        _queue = settings.ConnectionMultiplexerFactory is null
            ? Connection(settings, services, logger, settings.OperationTimeout, settings.OperationTimeout > QueueOperationTimeout ? settings.OperationTimeout : QueueOperationTimeout)
            : _jobs;
        var keys = new RedisKeys(settings.KeyPrefix);
        _store = new RedisJobStore(_jobs, keys, options.Value.JobRetention, settings.DeadWorkerTimeout, time, logger, trackSightings: options.Value.AbandonedJobGrace is not null);
        _jobQueue = new RedisJobQueue(_queue, redis => CreateQueue(redis, settings, logger), time, logger);
        _backend = new CallbackBackend("redis", new RedisResultStore(_results, keys, _jobs), _store, _jobQueue, new RedisIdempotencyStore(_jobs, keys), new RedisJobLimits(_jobs, keys, time), WritesInOrder);
        Log.BackendReady(logger, settings.DeadWorkerTimeout, TypicalRecovery(settings), RecoveryBound(settings));
    }

    internal RedisJobStore Store => _store;

    /// <summary>
    /// The connection of the Redis value stores: the jobs' Redis, not a results Redis of its own, whose eviction
    /// would drop values that job records still point to. The stores borrow it; it is disposed with the backend.
    /// </summary>
    internal RedisConnection Values => _jobs;

    public CallbackBackend GetBackend(string managerName) => _backend;

    /// <summary>
    /// Whether results and jobs share one connection to one server: then a result written before a job's completion is
    /// applied first without being awaited. Not on a cluster (the two keys may live on different shards), nor when
    /// results have a Redis of their own, nor before the connection is made (the two calls would race to it).
    /// </summary>
    private bool WritesInOrder()
    {
        if (_results != _jobs || _jobs.Current is not { IsConnected: true } redis)
        {
            return false;
        }

        // A server does not become a cluster, nor stop being one: asked once.
        var shape = Volatile.Read(ref _shape);
        if (shape == 0)
        {
            shape = RedisClusterSettings.IsCluster(redis) ? 2 : 1;
            Volatile.Write(ref _shape, shape);
        }

        return shape == 1;
    }

    /// <summary>A few heartbeats fit in the dead-worker timeout, so one late heartbeat does not kill a worker.</summary>
    internal static TimeSpan HeartbeatInterval(RedisCallbacksOptions settings) => settings.DeadWorkerTimeout / 5;

    /// <summary>
    /// How long Hangfire.Redis.StackExchange holds a distributed lock (its fixed default). A worker that dies while it
    /// holds one, during a requeue pass of its own or a job's state change, leaves it behind, and the others wait for
    /// it to expire.
    /// </summary>
    internal static readonly TimeSpan WatcherLockHold = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a killed worker's job waits before another worker starts it: the heartbeat ages past the timeout,
    /// the watchdog notices (one check interval), the fetched-jobs watcher requeues it (one more), and an idle worker
    /// takes it at once on the wake-up message, or, if the message was lost, when the next pass finds the job waiting
    /// and wakes a worker (one more), or after the fetch timeout if that is shorter. Should the worker have died holding
    /// one of the storage's locks, that lock must expire first.
    /// </summary>
    internal static TimeSpan RecoveryBound(RedisCallbacksOptions settings) => TypicalRecovery(settings) + WatcherLockHold;

    /// <summary>The usual time to recovery: the same without the rare lock left behind.</summary>
    internal static TimeSpan TypicalRecovery(RedisCallbacksOptions settings) =>
        settings.DeadWorkerTimeout + settings.DeadWorkerCheckInterval * 2
        + (settings.FetchTimeout < settings.DeadWorkerCheckInterval ? settings.FetchTimeout : settings.DeadWorkerCheckInterval);

    public void Dispose()
    {
        _store.Dispose();
        _jobQueue.Dispose();
        foreach (var connection in new[] { _jobs, _results, _queue }.Distinct())
        {
            connection.Dispose();
        }
    }

    /// <summary>The connection the options name: made from them, or the application's own.</summary>
    private static RedisConnection Connection(RedisCallbacksOptions settings, IServiceProvider services, ILogger logger, TimeSpan operationTimeout, TimeSpan? callTimeout = null)
    {
        if (settings.ConnectionMultiplexerFactory is { } factory)
        {
            return RedisConnection.Borrow(() => factory(services), nameof(settings.ConnectionMultiplexerFactory));
        }

        return settings.ConfigurationOptions is { } configuration
            ? RedisConnection.Open(RedisConnectionFactory.Configure(configuration, operationTimeout, callTimeout), nameof(settings.ConfigurationOptions), logger)
            : RedisConnection.Open(RedisConnectionFactory.Configure(settings.ConnectionString!, operationTimeout, callTimeout), nameof(settings.ConnectionString), logger);
    }

    /// <summary>The option the backend's main connection came from, named in messages.</summary>
    private static string ConnectionSetting(RedisCallbacksOptions settings) =>
        settings.ConnectionMultiplexerFactory is not null ? nameof(settings.ConnectionMultiplexerFactory)
        : settings.ConfigurationOptions is not null ? nameof(settings.ConfigurationOptions)
        : nameof(settings.ConnectionString);

    /// <summary>
    /// The queue on our own Hangfire storage, built once Hangfire's connection is there: when the workers start (at
    /// startup in a worker process) or at the first enqueue. That is also when the backend first knows whether Redis is
    /// a cluster, and says so in the log. On a cluster Hangfire's keys must share one slot: a setting that cannot work
    /// there is logged, and fails every enqueue and the workers' start, with the reason.
    /// </summary>
    private static HangfireJobQueue CreateQueue(IConnectionMultiplexer redis, RedisCallbacksOptions settings, ILogger logger)
    {
        var problems = RedisClusterSettings.Problems(settings, redis, ConnectionSetting(settings), forHangfire: true);
        if (problems.Count > 0)
        {
            var message = string.Join(' ', problems);
            Log.ClusterSettingsInvalid(logger, message);
            throw new InvalidOperationException(message);
        }

        var cluster = RedisClusterSettings.IsCluster(redis);
        if (cluster)
        {
            Log.ClusterDetected(logger, RedisClusterSettings.HangfirePrefix(settings, cluster));
        }

        var storage = CallbackRedisStorage.Create(
            redis,
            new RedisStorageOptions
            {
                Prefix = RedisClusterSettings.HangfirePrefix(settings, cluster),
                Db = redis.GetDatabase().Database,
                InvisibilityTimeout = settings.InvisibilityTimeout,
                FetchTimeout = settings.FetchTimeout,
            },
            settings.DeadWorkerCheckInterval,
            settings.DeadWorkerTimeout);

        // Our job state lives in our own keys; Hangfire's record of a job is only queue bookkeeping, kept the minimum.
        storage.JobExpirationTimeout = TimeSpan.FromHours(1);
        return new HangfireJobQueue(storage, server =>
        {
            server.ServerTimeout = settings.DeadWorkerTimeout;
            server.HeartbeatInterval = HeartbeatInterval(settings);
            server.ServerCheckInterval = settings.DeadWorkerCheckInterval;
        });
    }
}
