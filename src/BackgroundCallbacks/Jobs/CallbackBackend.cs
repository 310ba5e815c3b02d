using BackgroundCallbacks.Caching;
using Hangfire;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// One place jobs and results live: the two stores and the Hangfire storage of our own that queues the jobs.
/// The embedded backend keeps all three in this process; the Redis one shares them between processes.
/// </summary>
internal sealed class CallbackBackend(string name, IResultStore results, IJobStateStore jobs, JobStorage storage)
{
    public string Name { get; } = name;

    public IResultStore Results { get; } = results;

    public IJobStateStore Jobs { get; } = jobs;

    public JobStorage Storage { get; } = storage;

    /// <summary>Tunes the Hangfire servers of this backend, for example how fast a dead worker's jobs are taken over.</summary>
    public Action<BackgroundJobServerOptions>? ConfigureServer { get; init; }
}
