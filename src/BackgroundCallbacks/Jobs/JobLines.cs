using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The lines of limited callbacks, for every part that meets them: the enqueuer puts a job in its line and queues the
/// jobs given a running place; the runner gives its place back when a run ends; the query side tells a waiting job its
/// position and estimate; admission refuses a job when its line is full. Line members are job references, so a job given
/// a place is queued by its own manager whichever callback of a group made the place free.
/// </summary>
internal sealed class JobLines(CallbackManagers managers, ILogger<JobLines> logger)
{
    /// <summary>Puts a job in its line; returns the references of the jobs now given a place (the job's own among them when it may run).</summary>
    public async ValueTask<IReadOnlyList<string>> EnterAsync(CallbackManager manager, CallbackLine line, string jobId, DateTimeOffset admitted, CancellationToken cancellationToken)
    {
        var move = await manager.Backend.Limits.EnterAsync(line.Name!, JobHandles.JobReference(jobId, manager.Name), line.MaxRunning, admitted, cancellationToken).ConfigureAwait(false);
        if (move.Position is { } position)
        {
            Log.JobWaiting(logger, jobId, line.Name!, position);
        }

        return move.Granted;
    }

    /// <summary>Gives back the job's running place (or its place in line) and queues the jobs it lets run. For worker threads.</summary>
    public async Task LeaveAsync(CallbackManager manager, CallbackLine line, string jobId, CancellationToken cancellationToken)
    {
        var move = await manager.Backend.Limits.LeaveAsync(line.Name!, JobHandles.JobReference(jobId, manager.Name), line.MaxRunning, cancellationToken).ConfigureAwait(false);
        await QueueAsync(move.Granted, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the line a running job is alive, so the keeper does not take its place for lost.</summary>
    public static ValueTask RenewAsync(CallbackManager manager, CallbackLine line, string jobId, CancellationToken cancellationToken) =>
        manager.Backend.Limits.RenewAsync(line.Name!, JobHandles.JobReference(jobId, manager.Name), cancellationToken);

    /// <summary>Queues jobs given a running place. A job queued twice runs once: the store refuses the second entry.</summary>
    public async Task QueueAsync(IReadOnlyList<string> references, CancellationToken cancellationToken)
    {
        foreach (var reference in references)
        {
            if (JobHandles.TryParseReference(reference, out var jobId, out var managerName) && managers.Find(managerName) is { } owner)
            {
                await owner.Backend.Queue.EnqueueAsync(reference, owner.Queue, cancellationToken).ConfigureAwait(false);
                Log.JobGivenPlace(logger, jobId);
            }
        }
    }

    /// <summary>Adds the job's position and estimate to a view of a job that waits in a line.</summary>
    public static async ValueTask<JobView> DescribeAsync(CallbackManager manager, CallbackDefinition callback, JobView view, CancellationToken cancellationToken)
    {
        if (view.Status != JobStatus.Queued || !callback.Line.IsLimited)
        {
            return view;
        }

        var limits = manager.Backend.Limits;
        var position = await limits.PositionAsync(callback.Line.Name!, JobHandles.JobReference(view.JobId, manager.Name), cancellationToken).ConfigureAwait(false);
        if (position is null)
        {
            // Not yet in line (the enqueuer puts it there just after admission): nobody is known to be ahead.
            position = 0;
        }

        var mean = await limits.MeanRunTimeAsync(callback.Id, cancellationToken).ConfigureAwait(false);
        return view with { Position = (int)Math.Min(position.Value, int.MaxValue), EtaSeconds = mean is { } m ? Estimate(m, position.Value, callback.Line.MaxRunning) : null };
    }

    /// <summary>Refuses an invocation whose line holds <see cref="CallbackLine.MaxQueued"/> jobs already.</summary>
    public async ValueTask CheckRoomAsync(CallbackManager manager, CallbackDefinition callback, CancellationToken cancellationToken)
    {
        var line = callback.Line;
        if (line.MaxQueued <= 0)
        {
            return;
        }

        var waiting = await manager.Backend.Limits.WaitingAsync(line.Name!, cancellationToken).ConfigureAwait(false);
        if (waiting < line.MaxQueued)
        {
            return;
        }

        var mean = await manager.Backend.Limits.MeanRunTimeAsync(callback.Id, cancellationToken).ConfigureAwait(false);
        var retryAfter = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((mean ?? TimeSpan.FromSeconds(5)).TotalSeconds / line.MaxRunning), 1, 300));
        Log.QueueFull(logger, callback.Id, line.Name!, waiting);
        throw new LimitExceededException(
            503,
            LimitExceededException.QueueFull,
            retryAfter,
            $"{waiting} jobs of this callback wait already, as many as its line holds; try again later.");
    }

    public static ValueTask RecordRunTimeAsync(CallbackManager manager, CallbackDefinition callback, TimeSpan duration, CancellationToken cancellationToken) =>
        callback.Line.IsLimited ? manager.Backend.Limits.RecordRunTimeAsync(callback.Id, duration, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Seconds until the result: the runs ahead, shared by the line's running places, then its own run.</summary>
    internal static double Estimate(TimeSpan mean, long position, int maxRunning) =>
        mean.TotalSeconds * (((double)position / Math.Max(1, maxRunning)) + 1.5);
}
