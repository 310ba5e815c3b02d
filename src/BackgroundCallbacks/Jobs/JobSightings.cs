namespace BackgroundCallbacks.Jobs;

/// <summary>
/// When each unended job of the embedded store was last seen by a follower, ordered by that time, so the sweeper finds
/// the jobs nobody follows without looking at every job. Times are the clock's UTC ticks.
/// </summary>
internal sealed class JobSightings
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly SortedSet<(long At, string JobId)> _byTime = new(ByTime.Instance);

    /// <summary>A job was admitted or joined: it is seen now, whatever its last sighting.</summary>
    public void Admitted(string jobId, long now)
    {
        lock (_lock)
        {
            SetLocked(jobId, now);
        }
    }

    /// <summary>Renews the sighting of a tracked job when it is older than <paramref name="staleBefore"/>.</summary>
    public void Touch(string jobId, long now, long staleBefore)
    {
        lock (_lock)
        {
            if (_seen.TryGetValue(jobId, out var at) && at < staleBefore)
            {
                SetLocked(jobId, now);
            }
        }
    }

    public void Forget(string jobId)
    {
        lock (_lock)
        {
            if (_seen.Remove(jobId, out var at))
            {
                _byTime.Remove((at, jobId));
            }
        }
    }

    /// <summary>Up to <paramref name="max"/> jobs last seen at or before <paramref name="cutoff"/>, each stamped <paramref name="now"/>.</summary>
    public IReadOnlyList<string> Claim(long cutoff, long now, int max)
    {
        lock (_lock)
        {
            var due = _byTime.TakeWhile(s => s.At <= cutoff).Take(max).Select(s => s.JobId).ToArray();
            foreach (var jobId in due)
            {
                SetLocked(jobId, now);
            }

            return due;
        }
    }

    private void SetLocked(string jobId, long at)
    {
        if (_seen.TryGetValue(jobId, out var previous))
        {
            _byTime.Remove((previous, jobId));
        }

        _seen[jobId] = at;
        _byTime.Add((at, jobId));
    }

    private sealed class ByTime : IComparer<(long At, string JobId)>
    {
        public static readonly ByTime Instance = new();

        public int Compare((long At, string JobId) x, (long At, string JobId) y)
        {
            var byTime = x.At.CompareTo(y.At);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.JobId, y.JobId);
        }
    }
}
