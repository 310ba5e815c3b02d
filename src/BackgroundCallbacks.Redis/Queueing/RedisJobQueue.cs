using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Queueing;
using BackgroundCallbacks.Redis.Connections;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Queueing;

/// <summary>
/// The queue on Hangfire's own connection, made on first use: Hangfire's storage needs a multiplexer when it is built,
/// so it is built once the connection is there. Enqueueing (on the enqueuer's threads) awaits it; workers start as soon
/// as it is made, without holding up the host's start. Every enqueue sets the process's <see cref="FetchNudge"/>, which
/// wakes the workers again if the enqueue's own wake-up message met none.
/// </summary>
internal sealed class RedisJobQueue(RedisConnection connection, Func<IConnectionMultiplexer, HangfireJobQueue> create, TimeProvider time, ILogger logger)
    : IJobQueue, IHangfireStorageSource, IDisposable
{
    private static readonly TimeSpan ConnectedCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private HangfireJobQueue? _queue;
    private FetchNudge? _nudge;

    /// <summary>The queue over our Hangfire storage, built the first time the connection is available.</summary>
    internal async Task<HangfireJobQueue> QueueAsync()
    {
        if (Volatile.Read(ref _queue) is { } queue)
        {
            return queue;
        }

        var redis = await connection.GetAsync().ConfigureAwait(false);
        lock (_lock)
        {
            if (_queue is null)
            {
                var created = create(redis);
                _nudge = created.Storage is CallbackRedisStorage storage ? new FetchNudge(redis, storage.Prefix, time) : null;
                Volatile.Write(ref _queue, created);
            }

            return _queue;
        }
    }

    // Set before the queue is published, so an enqueue that got the queue finds it.
    private FetchNudge? Nudge => Volatile.Read(ref _nudge);

    public async Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken)
    {
        await (await QueueAsync().ConfigureAwait(false)).EnqueueAsync(jobReference, queue, cancellationToken).ConfigureAwait(false);
        Nudge?.Enqueued(queue);
    }

    public async Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken) =>
        await (await QueueAsync().ConfigureAwait(false)).ScheduleAsync(jobReference, queue, delay, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken) =>
        await (await QueueAsync().ConfigureAwait(false)).ListServersAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<Hangfire.JobStorage> GetStorageAsync() => (await QueueAsync().ConfigureAwait(false)).Storage;

    public IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services) =>
        new DeferredWorkers(
            async () =>
            {
                await WaitUntilConnectedAsync().ConfigureAwait(false);
                return (await QueueAsync().ConfigureAwait(false)).StartWorkers(queues, workerCount, services);
            },
            logger);

    public void Dispose()
    {
        lock (_lock)
        {
            _nudge?.Dispose();
        }
    }

    /// <summary>
    /// The queue can be built only once a node has answered (whether Redis is a cluster decides Hangfire's prefix), so
    /// the workers wait for that quietly rather than fail and back off: they start soon after a Redis that was down at
    /// startup comes up.
    /// </summary>
    private async Task WaitUntilConnectedAsync()
    {
        var redis = await connection.GetAsync().ConfigureAwait(false);
        while (!redis.GetServers().Any(s => s.IsConnected))
        {
            await Task.Delay(ConnectedCheckInterval).ConfigureAwait(false);
        }
    }
}
