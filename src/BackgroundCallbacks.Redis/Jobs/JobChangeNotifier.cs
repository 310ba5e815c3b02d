namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// This process's side of the changes channel: the long polls and cancel subscriptions waiting here, by handle. The
/// one Redis subscription of the process hands every message to <see cref="Signal"/>, which wakes the waiters of that
/// handle only. Waiters are tasks, not threads.
/// </summary>
internal sealed class JobChangeNotifier
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Registers a waiter for the next change of a job. Register before reading the job, so no change is missed in between.</summary>
    public ChangeWaiter Watch(string handle)
    {
        var waiter = new ChangeWaiter(this, handle);
        lock (_lock)
        {
            EntryFor(handle).Waiters.Add(waiter);
        }

        return waiter;
    }

    /// <summary>Registers a callback for a cancel of a job; it runs at most once, on the thread pool.</summary>
    public CancelRegistration RegisterCancel(string handle, Action onCancel)
    {
        var registration = new CancelRegistration(this, handle, onCancel);
        lock (_lock)
        {
            EntryFor(handle).Cancels.Add(registration);
        }

        return registration;
    }

    /// <summary>Handles one message of the changes channel: a kind ('v' changed, 'c' cancelled) followed by the handle.</summary>
    public void Dispatch(string? message)
    {
        if (message is { Length: > 1 } && message[0] is 'v' or 'c')
        {
            Signal(message[1..], canceled: message[0] == 'c');
        }
    }

    public void Signal(string handle, bool canceled)
    {
        ChangeWaiter[] waiters;
        CancelRegistration[] cancels = [];
        lock (_lock)
        {
            if (!_entries.TryGetValue(handle, out var entry))
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

            RemoveIfEmpty(handle, entry);
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
            foreach (var (handle, entry) in _entries.ToArray())
            {
                waiters.AddRange(entry.Waiters);
                entry.Waiters.Clear();
                RemoveIfEmpty(handle, entry);
            }
        }

        foreach (var waiter in waiters)
        {
            waiter.Wake();
        }
    }

    /// <summary>The handles with a cancel subscription in this process, for the check that covers lost messages.</summary>
    public string[] CancelHandles()
    {
        lock (_lock)
        {
            return _entries.Where(e => e.Value.Cancels.Count > 0).Select(e => e.Key).ToArray();
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
            if (_entries.TryGetValue(waiter.Handle, out var entry) && entry.Waiters.Remove(waiter))
            {
                RemoveIfEmpty(waiter.Handle, entry);
            }
        }
    }

    internal void Remove(CancelRegistration registration)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(registration.Handle, out var entry) && entry.Cancels.Remove(registration))
            {
                RemoveIfEmpty(registration.Handle, entry);
            }
        }
    }

    private Entry EntryFor(string handle)
    {
        if (!_entries.TryGetValue(handle, out var entry))
        {
            _entries[handle] = entry = new Entry();
        }

        return entry;
    }

    private void RemoveIfEmpty(string handle, Entry entry)
    {
        if (entry.Waiters.Count == 0 && entry.Cancels.Count == 0)
        {
            _entries.Remove(handle);
        }
    }

    private sealed class Entry
    {
        public List<ChangeWaiter> Waiters { get; } = [];

        public List<CancelRegistration> Cancels { get; } = [];
    }
}
