namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The shared counts behind the limits of docs/protocol.md: lines of jobs waiting for a running place (per callback or
/// concurrency group, across every worker process), the callbacks' recent run times, and the unended jobs each owner
/// follows. Each backend has one; all processes sharing the backend share it. Every operation is safe to repeat.
/// </summary>
internal interface IJobLimits
{
    /// <summary>
    /// Puts a job in its line at <paramref name="admitted"/> (when it was admitted, so the line keeps the order of admission
    /// whichever process queues it first), unless it is there or holds a running place already, and hands out the places
    /// that are free, in line order. Returns the jobs granted a place by this call (the caller queues each of them) and the job's
    /// own position when it still waits.
    /// </summary>
    ValueTask<LineMove> EnterAsync(string line, string jobId, int maxRunning, DateTimeOffset admitted, CancellationToken cancellationToken);

    /// <summary>Takes a job out of its line or gives back its running place, and hands out the places now free.</summary>
    ValueTask<LineMove> LeaveAsync(string line, string jobId, int maxRunning, CancellationToken cancellationToken);

    /// <summary>Marks a job holding a running place as alive now; does nothing for a job that holds none.</summary>
    ValueTask RenewAsync(string line, string jobId, CancellationToken cancellationToken);

    /// <summary>How many jobs wait ahead of the job (0: it is next, or has been given a place); null when it is in no line.</summary>
    ValueTask<long?> PositionAsync(string line, string jobId, CancellationToken cancellationToken);

    /// <summary>How many jobs wait in the line, not counting those that run.</summary>
    ValueTask<long> WaitingAsync(string line, CancellationToken cancellationToken);

    /// <summary>The jobs holding a running place now, with when they were given it.</summary>
    ValueTask<IReadOnlyList<KeyValuePair<string, DateTimeOffset>>> HoldersAsync(string line, CancellationToken cancellationToken);

    /// <summary>Remembers how long a run of the callback took; the last few make its estimate.</summary>
    ValueTask RecordRunTimeAsync(string callbackId, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>The mean of the callback's last few run times; null before the first.</summary>
    ValueTask<TimeSpan?> MeanRunTimeAsync(string callbackId, CancellationToken cancellationToken);

    /// <summary>
    /// Counts a follower (by its handle) against each of the <paramref name="partitions"/> (an owner, a client address),
    /// unless one of them already holds <paramref name="max"/>; then it counts nothing and returns the handles that
    /// partition holds, for the caller to check which have ended.
    /// </summary>
    ValueTask<IReadOnlyList<string>?> TryCountAsync(IReadOnlyList<string> partitions, string handle, int max, CancellationToken cancellationToken);

    /// <summary>Stops counting followers (ended, or never admitted) against the partitions.</summary>
    ValueTask UncountAsync(IReadOnlyList<string> partitions, IReadOnlyList<string> handles, CancellationToken cancellationToken);

    /// <summary>The name this line's moves are announced under on the job change notifier: a watch on it wakes when the line moves.</summary>
    public static string WatchName(string line) => "line|" + line;
}
