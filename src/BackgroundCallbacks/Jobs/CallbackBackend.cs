using BackgroundCallbacks.Caching;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// One place jobs and results live: the result store, the job store and the queue that hands jobs to workers, and the
/// records of idempotency keys. The embedded backend keeps them all in this process; the Redis one shares them between
/// processes. The limits (lines, run times, owner counts) live beside the jobs; a backend that names none keeps them in
/// this process.
/// </summary>
internal sealed class CallbackBackend(string name, IResultStore results, IJobStore jobs, IJobQueue queue, IIdempotencyStore idempotency, IJobLimits? limits = null, Func<bool>? writesInOrder = null)
{
    public string Name { get; } = name;

    public IResultStore Results { get; } = results;

    public IJobStore Jobs { get; } = jobs;

    public IJobQueue Queue { get; } = queue;

    public IJobLimits Limits { get; } = limits ?? new InMemoryJobLimits(jobs.Changes, TimeProvider.System);

    public IIdempotencyStore Idempotency { get; } = idempotency;

    /// <summary>
    /// Whether a result-store write sent before a job-store write is applied before it even when the first is not
    /// awaited: true when both live on one server reached over one connection, which runs commands in the order sent.
    /// The runner then sends a success's cache entry and its completion back to back; otherwise it awaits the entry first.
    /// </summary>
    public bool WritesInOrder => writesInOrder?.Invoke() ?? false;

    /// <summary>
    /// Reads a key that never exists from the job store and from the result store (which may be on a server of its
    /// own): completes when both answer, and fails as their calls fail otherwise. For health checks and error pages.
    /// </summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // Slot ids and cache keys never take this shape: the reads find nothing and change nothing.
        const string probe = "health-probe";
        await Jobs.GetSlotAsync(probe, cancellationToken).ConfigureAwait(false);
        await Results.GetAsync(probe, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
    }
}
