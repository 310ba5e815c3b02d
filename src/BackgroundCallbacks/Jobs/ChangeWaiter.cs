namespace BackgroundCallbacks.Jobs;

/// <summary>One long poll's wait for the next change of a job; disposing it stops waiting.</summary>
internal sealed class ChangeWaiter(JobChangeNotifier notifier, string jobId) : IDisposable
{
    private readonly TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _knownVersion = -1;

    public string JobId { get; } = jobId;

    public Task Changed => _changed.Task;

    /// <summary>
    /// The job's version the waiter has read: a message naming a version not above it tells nothing new, so it leaves
    /// the waiter waiting (no wake, no read). -1 until set: every message wakes it.
    /// </summary>
    public long KnownVersion
    {
        get => Volatile.Read(ref _knownVersion);
        set => Volatile.Write(ref _knownVersion, value);
    }

    /// <summary>What the message that woke the waiter said; null when it said nothing but "changed" (then the job is read).</summary>
    public JobChange? Change { get; private set; }

    /// <summary>Whether a message saying <paramref name="change"/> is news to this waiter.</summary>
    public bool Wants(JobChange? change) => change is not { } known || known.Version > KnownVersion;

    // The notifier wakes a waiter once (it leaves the notifier's lists as it is woken), so Change is written once, before the task completes.
    public void Wake(JobChange? change = null)
    {
        Change = change;
        _changed.TrySetResult();
    }

    public void Dispose() => notifier.Remove(this);
}
