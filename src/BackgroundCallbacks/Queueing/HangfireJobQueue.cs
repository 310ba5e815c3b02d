using BackgroundCallbacks.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.States;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// The queue on Hangfire, over a <see cref="JobStorage"/> of the backend's own, with a client, filters and servers of
/// our own, so Hangfire's static configuration, and any Hangfire jobs the application runs itself, are left untouched.
/// Hangfire's client is synchronous: these calls block their thread, which is why only the enqueuer's threads and
/// workers make them.
/// </summary>
internal sealed class HangfireJobQueue : IJobQueue, IHangfireStorageSource, IDisposable
{
    /// <summary>
    /// How often a server looks for scheduled entries that are due (Hangfire's own default is 15 s). The process that
    /// schedules an entry moves it itself when it is due (<see cref="ScheduledPromotion"/>), so this poll only covers a
    /// process that stopped or died meanwhile: such a retry runs up to this much later than its back-off. Hangfire's
    /// recurring-job scheduler, which we never use, polls at the same pace.
    /// </summary>
    internal static readonly TimeSpan SchedulePollingInterval = TimeSpan.FromMinutes(1);

    private readonly JobFilterCollection _filters = HangfireFilters.Create();
    private readonly BackgroundJobClient _client;
    private readonly ScheduledPromotion _promotion;
    private readonly IDisposable? _owned;

    public HangfireJobQueue(JobStorage storage, Action<BackgroundJobServerOptions>? configureServer = null, IDisposable? owned = null, TimeProvider? time = null)
    {
        Storage = storage;
        _promotion = new ScheduledPromotion(time ?? TimeProvider.System);
        _filters.Add(_promotion);
        _client = new BackgroundJobClient(storage, _filters);
        _promotion.Use(_client);
        ConfigureServer = configureServer;
        _owned = owned;
        var server = new BackgroundJobServerOptions();
        configureServer?.Invoke(server);
        ServerTimeout = server.ServerTimeout;
    }

    public JobStorage Storage { get; }

    /// <summary>The backend's tuning of the servers it starts, for example how fast a dead worker's jobs are taken over.</summary>
    public Action<BackgroundJobServerOptions>? ConfigureServer { get; }

    /// <summary>How old a server's heartbeat may be before Hangfire's watchdog removes it, as our servers are set up.</summary>
    public TimeSpan ServerTimeout { get; }

    /// <summary>A queue in this process's memory, for the embedded backend.</summary>
    public static HangfireJobQueue InMemory(TimeProvider? time = null)
    {
        var storage = new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid });
        return new HangfireJobQueue(storage, owned: storage, time: time);
    }

    public Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken)
    {
        _client.Create(EntryPoint(jobReference, queue), new EnqueuedState(queue));
        return Task.CompletedTask;
    }

    public Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken)
    {
        _client.Create(EntryPoint(jobReference, queue), new ScheduledState(delay));
        return Task.CompletedTask;
    }

    public IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services)
    {
        var options = new BackgroundJobServerOptions
        {
            WorkerCount = workerCount,
            Queues = [.. queues],
            Activator = new ServiceProviderJobActivator(services),
            FilterProvider = _filters,
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:callbacks",
            SchedulePollingInterval = SchedulePollingInterval,
        };
        ConfigureServer?.Invoke(options);
        return new HangfireWorkers(new BackgroundJobServer(options, Storage));
    }

    public Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken) =>
        // Hangfire's monitoring API is synchronous and may wait on the storage's server: keep it off the caller's thread.
        Task.Run<IReadOnlyList<WorkerServer>>(
            () => Storage.GetMonitoringApi().Servers()
                .Select(s => new WorkerServer(
                    s.Name,
                    [.. s.Queues ?? []],
                    s.WorkersCount,
                    s.Heartbeat is { } heartbeat ? new DateTimeOffset(DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc)) : null,
                    ServerTimeout))
                .ToArray(),
            cancellationToken);

    public ValueTask<JobStorage> GetStorageAsync() => ValueTask.FromResult(Storage);

    public void Dispose()
    {
        _promotion.Dispose();
        _owned?.Dispose();
    }

    // The entry point takes the job reference only; Hangfire fills in the PerformContext, whose job id tells one queue
    // entry of a job from another.
    private static Job EntryPoint(string jobReference, string queue) =>
        Job.FromExpression<JobEntryPoint>(entry => entry.RunAsync(jobReference, null!), queue);
}
