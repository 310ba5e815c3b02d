using BackgroundCallbacks.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Finishes admissions that a process began and did not finish, because it died or lost the store for a while: each
/// admission stays in the outbox until its job is queued and its slot set. Every process sweeps; the store hands each
/// stale admission to one sweeper at a time. For each it sets right what is missing: a follower whose slot names
/// another handle (its process died before taking the slot) is detached, and a job it created that never reached the
/// queue is posted to the enqueuer. Doing either twice is harmless. When <see cref="BackgroundCallbacksOptions.AbandonedJobGrace"/>
/// is set, it also cancels the jobs no follower has polled or streamed for that long (reason <c>abandoned</c>).
/// </summary>
internal sealed class JobSweeper(
    CallbackManagers managers,
    JobEnqueuer enqueuer,
    TimeProvider time,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<JobSweeper> logger) : IHostedService, IDisposable
{
    private const int BatchSize = 100;

    private readonly TimeSpan _grace = options.Value.AdmissionGrace;
    private ITimer? _timer;
    private int _sweeping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.SweepInterval;
        _timer = time.CreateTimer(static state => _ = ((JobSweeper)state!).SweepAsync(), this, period, period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>One pass over every backend; a pass still running makes the next one skip.</summary>
    internal async Task SweepAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var backend in managers.Backends)
            {
                try
                {
                    IReadOnlyList<string> handles;
                    do
                    {
                        handles = await backend.Jobs.ClaimUnacknowledgedAsync(_grace, BatchSize, CancellationToken.None).ConfigureAwait(false);
                        foreach (var handle in handles)
                        {
                            await SweepAsync(backend.Jobs, handle).ConfigureAwait(false);
                        }
                    }
                    while (handles.Count == BatchSize);
                    await CancelAbandonedAsync(backend.Jobs).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Log.SweepFailed(logger, e, backend.Name);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private async Task SweepAsync(IJobStore store, string handle)
    {
        if (!JobHandles.TryParse(handle, out var followerId, out var jobId, out var managerName) || managers.Find(managerName) is not { } manager)
        {
            await store.AcknowledgeAsync(handle, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var state = await store.InspectAsync(jobId, followerId, CancellationToken.None).ConfigureAwait(false);
        if (state is { FollowerAttached: true, Slot: { } slot }
            && !HoldsSlot(await store.GetSlotAsync(slot, CancellationToken.None).ConfigureAwait(false), followerId))
        {
            Log.OrphanDetached(logger, state.JobId);
            await store.DetachAsync(state.JobId, followerId, CancelReasons.Superseded, CancellationToken.None).ConfigureAwait(false);
            state = await store.InspectAsync(state.JobId, followerId, CancellationToken.None).ConfigureAwait(false);
        }

        if (state is { CreatedJob: true, NeverStarted: true })
        {
            Log.AdmissionRecovered(logger, jobId);
            enqueuer.PostRecovered(manager, jobId, handle);
            return;
        }

        await store.AcknowledgeAsync(handle, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Cancels the jobs not seen for the grace; the store hands each to one sweeper, and cancelling twice is harmless.</summary>
    private async Task CancelAbandonedAsync(IJobStore store)
    {
        if (options.Value.AbandonedJobGrace is not { } grace)
        {
            return;
        }

        IReadOnlyList<string> unseen;
        do
        {
            unseen = await store.ClaimUnseenAsync(grace, BatchSize, CancellationToken.None).ConfigureAwait(false);
            foreach (var jobId in unseen)
            {
                if (await store.CancelJobAsync(jobId, CancelReasons.Abandoned, CancellationToken.None).ConfigureAwait(false))
                {
                    Log.JobAbandoned(logger, jobId, grace);
                }
            }
        }
        while (unseen.Count == BatchSize);
    }

    private static bool HoldsSlot(string? slotHandle, string followerId) =>
        JobHandles.TryParse(slotHandle, out var holder, out _, out _) && holder == followerId;
}
