namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Marks jobs as followed, for abandoned-job cancelling, at little cost: this process asks the store about a job at
/// most once per <see cref="StaleAfter"/>, and the store writes a sighting only when its own is older than that. A
/// long poll reads its job on every change, and a stream reads all of its jobs at every heartbeat: neither writes
/// more often.
/// </summary>
internal sealed class FollowedJobs
{
    // Past this many, jobs this process has not marked for a while are forgotten here (the store keeps their sightings).
    private const int PruneAbove = 10_000;

    private readonly Dictionary<string, long> _marked = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _prunedAt;

    private FollowedJobs(TimeSpan staleAfter, TimeProvider time)
    {
        StaleAfter = staleAfter;
        _time = time;
        _prunedAt = time.GetTimestamp();
    }

    /// <summary>How old a job's sighting may get before a follow renews it.</summary>
    public TimeSpan StaleAfter { get; }

    /// <summary>
    /// The marker for these options; null when abandoned jobs are not cancelled. A sighting may lag a follow by twice
    /// <see cref="StaleAfter"/> (once here, once in the store), so that is kept under the room the grace leaves over
    /// the longest quiet gap of a live follower (a long poll's wait, a stream's heartbeat, the client's retry delay):
    /// a followed job is never taken for abandoned.
    /// </summary>
    public static FollowedJobs? Create(BackgroundCallbacksOptions? options, TimeProvider time)
    {
        if (options?.AbandonedJobGrace is not { } grace)
        {
            return null;
        }

        var quietGap = new[] { options.MaxLongPollWait, options.EventStreamHeartbeat, BackgroundCallbacksOptions.ClientMaxRetryDelay }.Max();
        var room = (grace - quietGap) / 3;
        var staleAfter = room <= TimeSpan.Zero ? TimeSpan.Zero : room < grace / 4 ? room : grace / 4;
        return new FollowedJobs(staleAfter, time);
    }

    public ValueTask TouchAsync(IJobStore store, string jobId, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_marked.TryGetValue(jobId, out var at) && _time.GetElapsedTime(at, now) < StaleAfter)
            {
                return ValueTask.CompletedTask;
            }

            // At most once per StaleAfter, so a process following very many jobs does not scan them on every mark.
            if (_marked.Count >= PruneAbove && _time.GetElapsedTime(_prunedAt, now) >= StaleAfter)
            {
                _prunedAt = now;
                foreach (var (old, oldAt) in _marked.ToArray())
                {
                    if (_time.GetElapsedTime(oldAt, now) >= StaleAfter)
                    {
                        _marked.Remove(old);
                    }
                }
            }

            _marked[jobId] = now;
        }

        return store.TouchAsync(jobId, StaleAfter, cancellationToken);
    }
}
