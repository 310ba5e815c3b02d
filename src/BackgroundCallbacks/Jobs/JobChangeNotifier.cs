namespace BackgroundCallbacks.Jobs;

/// <summary>
/// This process's waiters on job changes: the long polls and cancel subscriptions waiting here, by job id. A store
/// calls <see cref="Signal"/> for every change it hears of (the embedded store as it makes them, the Redis store for
/// each message of its one subscription), which wakes the waiters of that job only. Waiters are tasks, not threads.
/// </summary>
internal sealed class JobChangeNotifier
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Registers a waiter for the next change of a job. Register before reading the job, so no change is missed in between.</summary>
    public ChangeWaiter Watch(string jobId)
    {
        var waiter = new ChangeWaiter(this, jobId);
        lock (_lock)
        {
            EntryFor(jobId).Waiters.Add(waiter);
        }

        return waiter;
    }

    /// <summary>Registers a callback for a cancel of a job; it runs at most once, on the thread pool.</summary>
    public CancelRegistration RegisterCancel(string jobId, Action onCancel)
    {
        var registration = new CancelRegistration(this, jobId, onCancel);
        lock (_lock)
        {
            EntryFor(jobId).Cancels.Add(registration);
        }

        return registration;
    }

    /// <summary>Handles one message of the changes channel: a kind ('v' changed, 'c' cancelled) followed by the jobId.</summary>
    public void Dispatch(string? message)
    {
        if (message is { Length: > 1 } && message[0] is 'v' or 'c')
        {
            Signal(message[1..], canceled: message[0] == 'c');
        }
    }

    public void Signal(string jobId, bool canceled)
    {
        ChangeWaiter[] waiters;
        CancelRegistration[] cancels = [];
        lock (_lock)
        {
            if (!_entries.TryGetValue(jobId, out var entry))
            {
                return;
            }

            waiters = [.. entry.Waiters];
            entry.Waiters.Clear();
            if (canceled)
            {
                cancels = [.. entry.Cancels];
                entry.Cancels.Clear();
            }

            RemoveIfEmpty(jobId, entry);
        }

        foreach (var waiter in waiters)
        {
            waiter.Wake();
        }

        foreach (var cancel in cancels)
        {
            cancel.Fire();
        }
    }

    /// <summary>Wakes every waiter, so each reads its job again: after the connection failed or came back, messages may have been lost.</summary>
    public void WakeAll()
    {
        List<ChangeWaiter> waiters = [];
        lock (_lock)
        {
            foreach (var (jobId, entry) in _entries.ToArray())
            {
                waiters.AddRange(entry.Waiters);
                entry.Waiters.Clear();
                RemoveIfEmpty(jobId, entry);
            }
        }

        foreach (var waiter in waiters)
        {
            waiter.Wake();
        }
    }

    /// <summary>The jobs with a cancel subscription in this process, for the check that covers lost messages.</summary>
    public string[] CancelJobIds()
    {
        lock (_lock)
        {
            return _entries.Where(e => e.Value.Cancels.Count > 0).Select(e => e.Key).ToArray();
        }
    }

    /// <summary>How many long polls wait on a job now; lets tests know a poll is parked without sleeping.</summary>
    internal int WaitersOf(string jobId)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(jobId, out var entry) ? entry.Waiters.Count : 0;
        }
    }

    internal int EntryCount
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    internal void Remove(ChangeWaiter waiter)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(waiter.JobId, out var entry) && entry.Waiters.Remove(waiter))
            {
                RemoveIfEmpty(waiter.JobId, entry);
            }
        }
    }

    internal void Remove(CancelRegistration registration)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(registration.JobId, out var entry) && entry.Cancels.Remove(registration))
            {
                RemoveIfEmpty(registration.JobId, entry);
            }
        }
    }

    private Entry EntryFor(string jobId)
    {
        if (!_entries.TryGetValue(jobId, out var entry))
        {
            _entries[jobId] = entry = new Entry();
        }

        return entry;
    }

    private void RemoveIfEmpty(string jobId, Entry entry)
    {
        if (entry.Waiters.Count == 0 && entry.Cancels.Count == 0)
        {
            _entries.Remove(jobId);
        }
    }

    private sealed class Entry
    {
        public List<ChangeWaiter> Waiters { get; } = [];

        public List<CancelRegistration> Cancels { get; } = [];
    }
}
