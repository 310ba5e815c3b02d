namespace BackgroundCallbacks.Redis;

/// <summary>
/// Settings of the Redis backend: where Redis is, how its keys are named, and how fast the backend gives up on an
/// unreachable server or a dead worker. Bind them from configuration (for example the <c>BackgroundCallbacks:Redis</c>
/// section) or set them in code; they are validated when the host starts.
/// </summary>
public sealed class RedisCallbacksOptions
{
    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string of the Redis that holds the jobs, their state and the
    /// Hangfire queues, for example <c>localhost:6379</c> or <c>redis.internal:6379,password=…,ssl=true</c>. One of
    /// this, <see cref="ConfigurationOptions"/> and <see cref="ConnectionMultiplexerFactory"/> is required.
    /// This Redis must run with <c>maxmemory-policy noeviction</c>: an evicted queue entry is a lost job.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration of that Redis, instead of <see cref="ConnectionString"/>:
    /// for settings a string cannot carry, such as an Entra ID token provider
    /// (<c>await options.ConfigureForAzureWithTokenCredentialAsync(…)</c>), a client certificate or a certificate
    /// validation callback. The backend opens its connections from copies of it, with its own timeouts
    /// (<see cref="OperationTimeout"/>) and fail-fast settings; the instance given is not changed.
    /// </summary>
    /// <value>Null: <see cref="ConnectionString"/> or <see cref="ConnectionMultiplexerFactory"/> says where Redis is.</value>
    public StackExchange.Redis.ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// Gets or sets a function that gives the application's own multiplexer, instead of <see cref="ConnectionString"/>:
    /// for example the one .NET Aspire's <c>AddRedisClient</c> registers,
    /// <c>sp =&gt; Task.FromResult(sp.GetRequiredService&lt;IConnectionMultiplexer&gt;())</c>. It is called once, when
    /// the backend first needs Redis, never while services are built. The backend uses that multiplexer for job
    /// state, results (unless <see cref="ResultsConnectionString"/> is set) and Hangfire's queues, opens no other
    /// connection to that Redis, and never disposes it: it belongs to the application. Its own timeouts then apply
    /// instead of <see cref="OperationTimeout"/>.
    /// </summary>
    /// <value>Null: the backend opens connections of its own.</value>
    public Func<IServiceProvider, Task<StackExchange.Redis.IConnectionMultiplexer>>? ConnectionMultiplexerFactory { get; set; }

    /// <summary>
    /// Gets or sets the configuration string of a separate Redis for the result cache, for example one configured with
    /// <c>maxmemory-policy allkeys-lru</c> so the cache evicts old results instead of refusing new ones.
    /// </summary>
    /// <value>Null: results live in the Redis of <see cref="ConnectionString"/>.</value>
    public string? ResultsConnectionString { get; set; }

    /// <summary>Gets or sets the prefix of every key and channel this backend writes, except Hangfire's.</summary>
    /// <value><c>bgcb:</c>.</value>
    public string KeyPrefix { get; set; } = "bgcb:";

    /// <summary>
    /// Gets or sets the prefix of the keys of our own Hangfire storage, kept apart from any Hangfire storage the
    /// application uses for its own jobs (whose default prefix is <c>{hangfire}:</c>). On a Redis Cluster the prefix
    /// must carry a hash tag (a part in braces), because Hangfire's multi-key operations must stay in one slot; a
    /// prefix without one is reported at startup and fails every enqueue.
    /// </summary>
    /// <value>
    /// <c>bgcb-hangfire:</c> on one Redis server (the name existing deployments keep their queued jobs under);
    /// <c>{bgcb-hangfire}:</c> when the default is left on a Redis Cluster.
    /// </value>
    public string HangfirePrefix { get; set; } = Hosting.RedisClusterSettings.DefaultHangfirePrefix;

    /// <summary>
    /// Gets or sets how long a call to Redis may take, and how long connecting may take, before it fails. A Redis
    /// that refuses connections or has dropped them is answered with 503 at once; one that stops answering (a network
    /// that drops packets) after at most about this long. A Redis that is merely slow (loaded, or on a busy machine)
    /// makes a request wait up to this long rather than fail, so keep it well above the latency Redis has under load.
    /// </summary>
    /// <value>Five seconds, StackExchange.Redis's own default.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets after how long without a heartbeat a worker process counts as dead, so that its running jobs are
    /// run again by another worker (Hangfire's <c>ServerTimeout</c>). A killed worker's job is started again within
    /// about this time plus three times <see cref="DeadWorkerCheckInterval"/>.
    /// Too short a value lets a long garbage-collection pause or a Redis outage count as a death, and the jobs
    /// of that worker are then run twice (only the newer run's result is kept).
    /// </summary>
    /// <value>30 seconds (Hangfire's default is 5 minutes).</value>
    public TimeSpan DeadWorkerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how often workers look for dead workers and for the jobs those left behind (Hangfire's
    /// <c>ServerCheckInterval</c>, and the pass of the Redis storage's fetched-jobs watcher).
    /// </summary>
    /// <value>5 seconds.</value>
    public TimeSpan DeadWorkerCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long an idle worker waits for the pub/sub wake-up of a new job before it looks at the queue
    /// anyway. Each idle worker reads its queues once per this time, so a short one costs Redis commands in proportion
    /// to the worker count. A job whose wake-up message was lost is found sooner: about 200 ms after enqueueing, the
    /// process that enqueued it sends the wake-up again if its queue is still not empty; and (for example after a
    /// reconnect) it waits at most <see cref="DeadWorkerCheckInterval"/> or this, whichever is shorter, since every
    /// process looks at the queues once per check interval and wakes an idle worker when jobs wait.
    /// </summary>
    /// <value>3 minutes (Hangfire's default).</value>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Gets or sets after how long a fetched job is put back in its queue even though its worker is alive (Hangfire's
    /// <c>InvisibilityTimeout</c>). It must be longer than the longest job, or that job is started a second time while
    /// it still runs. Jobs of dead workers are taken over much sooner, through <see cref="DeadWorkerTimeout"/>; this is
    /// only the last resort for a job whose worker died in the instant between taking it and marking it as processing.
    /// </summary>
    /// <value>12 hours (Hangfire's default is 30 minutes).</value>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromHours(12);
}
