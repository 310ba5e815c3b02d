using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The query side of jobs, for every door (long poll, and later streams and other clients): follows a job as one of
/// its followers sees it, and cancels a follower. It does the owner check itself: a handle that does not exist and a
/// handle of another owner are answered alike, with null.
/// </summary>
internal sealed class JobService(CallbackManagers managers, CallbackRegistry registry, TimeProvider time, IOptions<BackgroundCallbacksOptions>? options = null)
{
    private readonly FollowedJobs? _followed = FollowedJobs.Create(options?.Value, time);

    /// <summary>
    /// Returns the follower's view of its job once there is something newer than <paramref name="afterVersion"/>, the job
    /// has ended at a version not below it, its place in line differs from <paramref name="knownPosition"/> (-1: none known; when the
    /// caller names none, has changed while waiting), or <paramref name="wait"/> has passed. Holds no thread while waiting.
    /// The view carries the progress log only for a caller that passes every report on (<paramref name="withProgressLog"/>).
    /// </summary>
    public async ValueTask<JobView?> FollowAsync(string handle, Owner owner, long afterVersion, TimeSpan wait, CancellationToken cancellationToken, long? knownPosition = null, bool withProgressLog = false)
    {
        if (!TryFind(handle, out var manager, out var followerId, out var jobId))
        {
            return null;
        }

        var store = manager.Backend.Jobs;
        var deadline = time.GetUtcNow() + wait;

        // Watch before reading: a change that lands between the read and the wait still wakes this poll.
        var watch = store.Changes.Watch(jobId);
        ChangeWaiter? lineWatch = null;
        try
        {
            var view = await ReadAsync(manager, jobId, followerId, afterVersion, cancellationToken, withProgressLog).ConfigureAwait(false);
            if (view is null || !OwnerResolver.IsOwner(view.Owner, owner))
            {
                return null;
            }

            // Null: the caller follows no positions, so only a move while this poll waits is news. -1: it knows of none.
            var known = knownPosition switch { null => view.Position, -1 => null, var p => (int?)p };
            watch.KnownVersion = view.Version;
            lineWatch = LineWatch(store, view);
            while (!IsNews(view, afterVersion) && view.Position == known)
            {
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    return view;
                }

                try
                {
                    var changed = lineWatch is null ? watch.Changed : Task.WhenAny(watch.Changed, lineWatch.Changed);
                    await changed.WaitAsync(remaining, time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No change came, or its message was lost: the job is read once more and answered as it is.
                    return await ReadAsync(manager, jobId, followerId, afterVersion, cancellationToken, withProgressLog).ConfigureAwait(false) ?? view;
                }

                if (watch.Changed.IsCompleted && Told(view, watch.Change, withProgressLog) is { } told && IsNews(told, afterVersion))
                {
                    return told;
                }

                watch.Dispose();
                lineWatch?.Dispose();
                watch = store.Changes.Watch(jobId);
                view = await ReadAsync(manager, jobId, followerId, afterVersion, cancellationToken, withProgressLog).ConfigureAwait(false) ?? view;
                watch.KnownVersion = view.Version;
                lineWatch = LineWatch(store, view);
            }

            return view;
        }
        finally
        {
            watch.Dispose();
            lineWatch?.Dispose();
        }
    }

    /// <summary>
    /// The follower's view of its job with what is newer than <paramref name="afterVersion"/>, and its place in line while
    /// it waits in one; null when there is no such follower. The owner check is the caller's.
    /// Every door that follows a job reads it here (a long poll when it starts, wakes and answers; a stream at least once
    /// per heartbeat), so this is where an unended job is marked as followed, for abandoned-job cancelling: only a holder
    /// of the follower's secret id gets a view.
    /// </summary>
    public async ValueTask<JobView?> ReadAsync(CallbackManager manager, string jobId, string followerId, long afterVersion, CancellationToken cancellationToken, bool withProgressLog = false)
    {
        var view = await manager.Backend.Jobs.ReadAsync(jobId, followerId, afterVersion, cancellationToken, withProgressLog).ConfigureAwait(false);
        if (_followed is not null && view is not null && !view.Status.IsTerminal())
        {
            await _followed.TouchAsync(manager.Backend.Jobs, jobId, cancellationToken).ConfigureAwait(false);
        }

        if (view is { Status: JobStatus.Queued } && registry.TryGet(view.CallbackId, out var callback) && callback.Line.IsLimited)
        {
            view = await JobLines.DescribeAsync(manager, callback, view, cancellationToken).ConfigureAwait(false);
        }

        return view;
    }

    /// <summary>A watch on the line a waiting job stands in, so a move of the line wakes its follower; null when it waits in none.</summary>
    public ChangeWaiter? LineWatch(IJobStore store, JobView view) =>
        view.Position is not null && registry.TryGet(view.CallbackId, out var callback) && callback.Line.Name is { } line
            ? store.Changes.Watch(IJobLimits.WatchName(line))
            : null;

    /// <summary>Detaches the follower (a cancel): it sees the job as cancelled at once, and the job is cancelled when it was the last.</summary>
    public async ValueTask<JobView?> CancelAsync(string handle, Owner owner, CancellationToken cancellationToken)
    {
        if (!TryFind(handle, out var manager, out var followerId, out var jobId))
        {
            return null;
        }

        // The store checks the owner in the same step as it detaches: a handle of another owner is told as none.
        return await manager.Backend.Jobs.DetachAsync(jobId, followerId, CancelReasons.Requested, cancellationToken, owner).ConfigureAwait(false);
    }

    /// <summary>
    /// The view a read would give after a change message, built from the view read before it and the message alone when
    /// the message says all the change did (a start, a small progress report, a success with small outputs, each at the
    /// version right after the one read); null when the job must be read. A follower that takes the progress log gets
    /// no progress from a message: a report merged into the change would be missing from it.
    /// </summary>
    internal static JobView? Told(JobView view, JobChange? change, bool withProgressLog) =>
        Started(view, change) ?? Succeeded(view, change) ?? (withProgressLog ? null : Progressed(view, change));

    /// <summary>
    /// The view a read would give after a message saying the job started at the version right after the one read: a
    /// start changes the status alone (no progress, side updates or outputs; a running job stands in no line), so the
    /// view is built from what the waiter knows, with no read. Null for any other change, or when a change came between.
    /// </summary>
    private static JobView? Started(JobView view, JobChange? change) =>
        change is { Status: JobStatus.Running } started && view.Status == JobStatus.Queued && started.Version == view.Version + 1
            ? view with { Status = JobStatus.Running, Version = started.Version, Position = null, EtaSeconds = null }
            : null;

    /// <summary>
    /// The view a read would give after a message carrying the progress of a change at the version right after the one
    /// read that set that progress alone (no side updates, the job running on): the view read, with the new progress at
    /// the new version. Only for a follower that does not take the progress log (a report merged into this change would
    /// be missing from it); null for any other change, or when a change came between.
    /// </summary>
    private static JobView? Progressed(JobView view, JobChange? change) =>
        change is { ProgressJson: { } progress } reported && view.Status == JobStatus.Running && reported.Version == view.Version + 1
            ? view with { Version = reported.Version, ProgressVersion = reported.Version, ProgressJson = progress, SideUpdates = [], ProgressReports = [] }
            : null;

    /// <summary>
    /// The view a read after <paramref name="view"/>'s version would give after a message carrying the outputs of a
    /// success at the version right after it, of a job that was running: a completion sets the status and the outputs,
    /// and no progress, side update, error or cancel reason (a job that was cancelled cannot complete), so that is the
    /// view, with the outputs and nothing newer than its version (no progress, updates or log). Null for any other
    /// change (a failure or a cancel is read), for a success whose outputs did not fit in the message, or when a change
    /// came between.
    /// </summary>
    internal static JobView? Succeeded(JobView view, JobChange? change) =>
        change is { Status: JobStatus.Succeeded, OutputsJson: { } outputs } ended && view.Status == JobStatus.Running && ended.Version == view.Version + 1
            ? view with { Status = JobStatus.Succeeded, Version = ended.Version, OutputsJson = outputs, ProgressJson = null, ProgressReports = [], SideUpdates = [] }
            : null;

    /// <summary>
    /// Whether the poll has its answer: a version above <paramref name="afterVersion"/>, or an ended job whose last
    /// version the client names or has passed (nothing newer will come). An <paramref name="afterVersion"/> above the
    /// job's version is one the job has not reached, so an ended job is not news for it: the poll waits out its wait.
    /// </summary>
    private static bool IsNews(JobView view, long afterVersion) =>
        view.Version > afterVersion || (view.Status.IsTerminal() && afterVersion <= view.Version);

    private bool TryFind(string handle, out CallbackManager manager, out string followerId, out string jobId)
    {
        manager = null!;
        if (!JobHandles.TryParse(handle, out followerId, out jobId, out var managerName) || managers.Find(managerName) is not { } found)
        {
            return false;
        }

        manager = found;
        return true;
    }

    /// <summary>
    /// Finds the store of a handle's job and the ids in it, for a door that follows several jobs at once
    /// (<see cref="JobFeed"/>); false for a handle this app did not make. It checks no owner: the caller reads the job
    /// and does that.
    /// </summary>
    public bool TryLocate(string handle, out CallbackManager manager, out string followerId, out string jobId) =>
        TryFind(handle, out manager, out followerId, out jobId);
}
