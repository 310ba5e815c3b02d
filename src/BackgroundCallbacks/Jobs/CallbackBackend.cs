using BackgroundCallbacks.Caching;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// One place jobs and results live: the result store, the job store and the queue that hands jobs to workers. The
/// embedded backend keeps all three in this process; the Redis one shares them between processes.
/// </summary>
internal sealed class CallbackBackend(string name, IResultStore results, IJobStore jobs, IJobQueue queue)
{
    public string Name { get; } = name;

    public IResultStore Results { get; } = results;

    public IJobStore Jobs { get; } = jobs;

    public IJobQueue Queue { get; } = queue;
}
