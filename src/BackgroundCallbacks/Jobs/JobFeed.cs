using System.Runtime.CompilerServices;
using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Follows several jobs of one owner at once, for the doors that keep a connection open (the event stream, later
/// others): it delivers each job's news as it comes, tells a handle it cannot follow once, says when nothing was
/// delivered for a heartbeat interval, and ends when every job has ended and its last state was delivered. Like
/// <see cref="JobService.FollowAsync"/> it watches a job before reading it and waits on tasks, holding no thread.
/// </summary>
internal sealed class JobFeed(JobService jobs, TimeProvider time)
{
    /// <summary>
    /// The feed of <paramref name="handles"/> for <paramref name="owner"/>, starting after the versions in
    /// <paramref name="after"/> (same order; missing ones are 0). The first item is <see cref="JobFeedItemKind.Opened"/>,
    /// once every job was read; a backend failure before it is the caller's to answer, one after it ends the feed.
    /// </summary>
    public async IAsyncEnumerable<JobFeedItem> FollowAsync(
        IReadOnlyList<string> handles,
        Owner owner,
        IReadOnlyList<long> after,
        TimeSpan heartbeat,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var followed = new Followed[handles.Count];
        for (var i = 0; i < followed.Length; i++)
        {
            followed[i] = new Followed(i < after.Count ? after[i] : 0);
        }

        try
        {
            var first = new List<JobFeedItem>();
            for (var i = 0; i < followed.Length; i++)
            {
                var job = followed[i];
                if (jobs.TryLocate(handles[i], out var manager, out var followerId, out var jobId))
                {
                    (job.Manager, job.FollowerId, job.JobId) = (manager, followerId, jobId);

                    // Watch before reading: a change that lands between the read and the wait still wakes the feed.
                    job.Watch = job.Store!.Changes.Watch(jobId);
                }

                if (await ReadAsync(followed, i, owner, cancellationToken).ConfigureAwait(false) is { } item)
                {
                    first.Add(item);
                }
            }

            yield return new JobFeedItem(JobFeedItemKind.Opened, -1, null, null);
            foreach (var item in first)
            {
                yield return item;
            }

            var lastDelivered = time.GetUtcNow();
            while (followed.Any(j => !j.Done))
            {
                var woken = await WaitAsync(followed, lastDelivered + heartbeat - time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                var delivered = false;
                for (var i = 0; i < followed.Length; i++)
                {
                    var job = followed[i];

                    // On a heartbeat tick every unended job is read again: a change message (Redis pub/sub) may have
                    // been lost, and a stream's reads are what tells the store its jobs are still followed.
                    if (job.Done || (woken && !job.Watch!.Changed.IsCompleted && job.LineWatch?.Changed.IsCompleted != true))
                    {
                        continue;
                    }

                    if (job.Watch!.Changed.IsCompleted && job.Last is { } last && JobService.Succeeded(last, job.Watch.Change) is { } ended)
                    {
                        // The job's end, told in full by its message: nothing follows it, so no watch and no read. Other
                        // changes are read, even those a message tells in full: the watch is made again after the wake,
                        // and only a read covers a change whose message came in between.
                        if (Deliver(followed, i, owner, ended) is { } told)
                        {
                            delivered = true;
                            yield return told;
                        }

                        continue;
                    }

                    job.Watch.Dispose();
                    job.Watch = job.Store!.Changes.Watch(job.JobId);
                    if (job.LineWatch is not null)
                    {
                        // Still waiting, most likely: its line is watched again before the read, like the job itself.
                        job.LineWatch.Dispose();
                        job.LineWatch = job.LineName is { } line ? job.Store.Changes.Watch(line) : null;
                    }
                    if (await ReadAsync(followed, i, owner, cancellationToken).ConfigureAwait(false) is { } item)
                    {
                        delivered = true;
                        yield return item;
                    }
                }

                if (delivered)
                {
                    lastDelivered = time.GetUtcNow();
                }
                else if (!woken)
                {
                    yield return new JobFeedItem(JobFeedItemKind.Heartbeat, -1, null, null);
                    lastDelivered = time.GetUtcNow();
                }
            }

            yield return new JobFeedItem(JobFeedItemKind.End, -1, null, null);
        }
        finally
        {
            foreach (var job in followed)
            {
                job.Watch?.Dispose();
                job.LineWatch?.Dispose();
            }
        }
    }

    /// <summary>
    /// Whether a job has something the feed has not delivered: a version it has not delivered (above, or, for an ended
    /// job, below the one the client named: that is not a version the job had, and its end is all there is), or another
    /// queue position. An ended job at the delivered version has nothing more: every change, a follower's leaving
    /// included, makes a new version, so its end was delivered with that version.
    /// </summary>
    private static bool IsNews(JobView view, long deliveredVersion, int? deliveredPosition) =>
        view.Version > deliveredVersion
        || (view.Status.IsTerminal() && view.Version < deliveredVersion)
        || view.Position != deliveredPosition;

    /// <summary>Waits for a change of any unended job (true) or for the heartbeat interval to pass (false).</summary>
    private async Task<bool> WaitAsync(Followed[] followed, TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        var changes = new List<Task>(followed.Length);
        foreach (var job in followed)
        {
            if (!job.Done)
            {
                changes.Add(job.Watch!.Changed);
                if (job.LineWatch is not null)
                {
                    changes.Add(job.LineWatch.Changed);
                }
            }
        }

        try
        {
            await Task.WhenAny(changes).WaitAsync(remaining, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Reads one job and says what the feed delivers of it, if anything; marks it done when nothing more will come.</summary>
    private async ValueTask<JobFeedItem?> ReadAsync(Followed[] followed, int index, Owner owner, CancellationToken cancellationToken)
    {
        var job = followed[index];
        var view = job.Manager is null
            ? null
            : await jobs.ReadAsync(job.Manager, job.JobId, job.FollowerId, job.DeliveredVersion, cancellationToken).ConfigureAwait(false);
        return Deliver(followed, index, owner, view);
    }

    /// <summary>
    /// Says what the feed delivers of a job's view (read, or told by a change message as a read would give it), if
    /// anything; marks the job done when nothing more will come.
    /// </summary>
    private JobFeedItem? Deliver(Followed[] followed, int index, Owner owner, JobView? view)
    {
        var job = followed[index];
        job.Last = view;
        if (view is not null && job.Watch is not null)
        {
            // The watch was made before this read: a message naming a version this read has seen wakes nothing.
            job.Watch.KnownVersion = view.Version;
        }

        if (view is not null && job.LineWatch is null && jobs.LineWatch(job.Store!, view) is { } lineWatch)
        {
            // It waits in a line: a move of the line changes its position without changing the job.
            job.LineWatch = lineWatch;
            job.LineName = lineWatch.JobId;
        }
        else if (view is not null && view.Position is null && job.LineWatch is not null)
        {
            job.LineWatch.Dispose();
            job.LineWatch = null;
        }

        // A handle that does not exist (or no longer) and one of another owner are told alike.
        if (view is null || !OwnerResolver.IsOwner(view.Owner, owner))
        {
            job.Finish();
            return new JobFeedItem(JobFeedItemKind.Error, index, null, null);
        }

        if (!IsNews(view, job.DeliveredVersion, job.DeliveredPosition))
        {
            if (view.Status.IsTerminal())
            {
                job.Finish();
            }

            return null;
        }

        job.DeliveredVersion = view.Version;
        job.DeliveredPosition = view.Position;
        if (view.Status.IsTerminal())
        {
            job.Finish();
        }

        var delivered = new long[followed.Length];
        for (var i = 0; i < delivered.Length; i++)
        {
            delivered[i] = followed[i].DeliveredVersion;
        }

        return new JobFeedItem(JobFeedItemKind.Job, index, view, delivered);
    }

    /// <summary>One followed job: where it lives, what was delivered of it, and its watch while it is followed.</summary>
    private sealed class Followed(long after)
    {
        public CallbackManager? Manager { get; set; }

        public IJobStore? Store => Manager?.Backend.Jobs;

        /// <summary>The watch on the line the job waits in, and the line's watch name; null when it waits in none.</summary>
        public ChangeWaiter? LineWatch { get; set; }

        public string? LineName { get; set; }

        public string FollowerId { get; set; } = string.Empty;

        public string JobId { get; set; } = string.Empty;

        public ChangeWaiter? Watch { get; set; }

        /// <summary>The view last read (or told), which a change message at the next version may complete without a read.</summary>
        public JobView? Last { get; set; }

        public long DeliveredVersion { get; set; } = after;

        public int? DeliveredPosition { get; set; }

        public bool Done { get; private set; }

        public void Finish()
        {
            Done = true;
            Watch?.Dispose();
            LineWatch?.Dispose();
        }
    }
}
