namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Hands jobs to workers, and runs this process's workers. The seam that knows the queue library: the backend supplies
/// it (Hangfire on its own storage, in Queueing/). Callers are the enqueuer's own threads and workers, never a request:
/// an implementation may block the calling thread on I/O.
/// </summary>
internal interface IJobQueue
{
    /// <summary>Queues a run of the job named by <paramref name="jobReference"/> (see <see cref="JobHandles.JobReference"/>).</summary>
    Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken);

    /// <summary>Queues a run of the job to start after <paramref name="delay"/>.</summary>
    Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Starts workers that take jobs from <paramref name="queues"/> and run them in this process.</summary>
    IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services);

    /// <summary>
    /// The worker servers of every process the queue's storage knows, with their queues and heartbeats. Never blocks
    /// the calling thread: a synchronous storage call runs on the thread pool.
    /// </summary>
    Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken);
}
