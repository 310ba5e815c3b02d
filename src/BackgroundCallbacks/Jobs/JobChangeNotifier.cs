namespace BackgroundCallbacks.Jobs;

/// <summary>
/// This process's waiters on job changes: the long polls and cancel subscriptions waiting here, by job id. A store
/// calls <see cref="Signal"/> for every change it hears of (the embedded store as it makes them, the Redis store for
/// each message of its per-job subscriptions), which wakes the waiters of that job only. Waiters are tasks, not threads.
/// A store whose changes come from elsewhere passes a subscribe: the notifier subscribes to a job when its first waiter
/// or cancel registration appears and ends that subscription once the last has gone and a linger has passed, so a long
/// poll that re-arms at once does not churn the subscription.
/// </summary>
internal sealed class JobChangeNotifier
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Func<string, Task<Func<Task>>>? _subscribe;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly TimeSpan _linger;
    private long _messages;
    private bool _closed;

    /// <summary>A notifier for a store that makes every change itself: nothing to subscribe to.</summary>
    public JobChangeNotifier()
    {
    }

    /// <summary>
    /// A notifier that subscribes per job. <paramref name="subscribe"/> answers a task that completes once the
    /// subscription is confirmed, with what ends that one subscription (and no other of the same job). It is called
    /// under the notifier's lock, so the subscribe and unsubscribe of one job go out in order.
    /// </summary>
    public JobChangeNotifier(Func<string, Task<Func<Task>>> subscribe, TimeSpan linger, TimeProvider time)
    {
        _subscribe = subscribe;
        _linger = linger;
        _time = time;
    }

    /// <summary>Registers a waiter for the next change of a job. Register before reading the job, so no change is missed in between.</summary>
    public ChangeWaiter Watch(string jobId)
    {
        var waiter = new ChangeWaiter(this, jobId);
        lock (_lock)
        {
            EntryFor(jobId).Waiters.Add(waiter);
            Interest(jobId);
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
            Interest(jobId);
        }

        return registration;
    }

    /// <summary>
    /// Handles one change message: a kind ('v' changed, 'c' cancelled) followed by the jobId and, from the Redis scripts,
    /// ':' the job's version after the change and, when the change set a status, ':' that status; a small progress report
    /// alone or a success's small outputs ride along (see <see cref="JobChange"/>).
    /// A message without ':' (a process of an older version, or a line's move) wakes every waiter to read.
    /// </summary>
    public void Dispatch(string? message)
    {
        Interlocked.Increment(ref _messages);
        if (message is not { Length: > 1 } || message[0] is not ('v' or 'c'))
        {
            return;
        }

        var canceled = message[0] == 'c';
        var text = message.AsSpan(1);

        // A line's name is the user's and may hold a ':'; its messages carry no version.
        if (text.StartsWith(IJobLimits.WatchName(string.Empty), StringComparison.Ordinal))
        {
            Signal(text.ToString(), canceled);
            return;
        }

        var parsed = JobChange.TryParse(text, out var jobId, out var change);
        Signal(jobId.ToString(), canceled, parsed ? change : null);
    }

    /// <summary>
    /// Wakes the job's waiters for a change, and on a cancel fires its cancel registrations. With <paramref name="change"/>
    /// known, a waiter that has read its version already stays waiting.
    /// </summary>
    public void Signal(string jobId, bool canceled, JobChange? change = null)
    {
        ChangeWaiter[] waiters;
        CancelRegistration[] cancels = [];
        lock (_lock)
        {
            if (!_entries.TryGetValue(jobId, out var entry))
            {
                return;
            }

            if (change is null)
            {
                waiters = [.. entry.Waiters];
                entry.Waiters.Clear();
            }
            else
            {
                // One pass: a poll may set its known version meanwhile, and a waiter must leave the list if it is woken.
                List<ChangeWaiter> woken = [];
                entry.Waiters.RemoveAll(w =>
                {
                    if (!w.Wants(change))
                    {
                        return false;
                    }

                    woken.Add(w);
                    return true;
                });
                waiters = [.. woken];
            }
            if (canceled)
            {
                cancels = [.. entry.Cancels];
                entry.Cancels.Clear();
            }

            RemoveIfEmpty(jobId, entry);
        }

        foreach (var waiter in waiters)
        {
            waiter.Wake(change);
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

    /// <summary>
    /// Completes once this process's subscription to the job's changes is confirmed (at once without one, or for a
    /// store without subscriptions): a read after it cannot miss a change that the subscription would not hear of.
    /// </summary>
    public Task SubscribedAsync(string jobId)
    {
        lock (_lock)
        {
            return _subscriptions.TryGetValue(jobId, out var subscription) ? subscription.Confirmed : Task.CompletedTask;
        }
    }

    /// <summary>Subscribes again where a subscription failed (Redis was away) and something still waits on the job.</summary>
    public void RetryFailedSubscriptions()
    {
        lock (_lock)
        {
            foreach (var (jobId, subscription) in _subscriptions)
            {
                if (subscription.Confirmed.IsFaulted)
                {
                    subscription.Confirmed = Subscribe(jobId);
                }
            }
        }
    }

    /// <summary>Ends every subscription and subscribes no more: the store is going away.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (var subscription in _subscriptions.Values)
            {
                subscription.Linger?.Dispose();
                _ = EndAsync(subscription.Confirmed);
            }

            _subscriptions.Clear();
        }
    }

    /// <summary>How many change messages this process has handled, for tests and the fan-out benchmark.</summary>
    internal long MessagesReceived => Interlocked.Read(ref _messages);

    /// <summary>The jobs this process is subscribed to now, lingering ones included.</summary>
    internal int SubscriptionCount
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count;
            }
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
            Uninterest(jobId);
        }
    }

    // Under the lock: the first waiter or registration of a job subscribes, or keeps a lingering subscription.
    private void Interest(string jobId)
    {
        if (_subscribe is null || _closed)
        {
            return;
        }

        if (_subscriptions.TryGetValue(jobId, out var subscription))
        {
            subscription.Linger?.Dispose();
            subscription.Linger = null;
            if (subscription.Confirmed.IsFaulted)
            {
                subscription.Confirmed = Subscribe(jobId);
            }

            return;
        }

        _subscriptions[jobId] = new Subscription(Subscribe(jobId));
    }

    // Under the lock: the last one has gone, so the subscription ends unless someone comes back within the linger.
    private void Uninterest(string jobId)
    {
        if (!_subscriptions.TryGetValue(jobId, out var subscription) || subscription.Linger is not null)
        {
            return;
        }

        subscription.Linger = _time.CreateTimer(
            static state =>
            {
                var (notifier, jobId, subscription) = ((JobChangeNotifier, string, Subscription))state!;
                notifier.EndLinger(jobId, subscription);
            },
            (this, jobId, subscription),
            _linger,
            Timeout.InfiniteTimeSpan);
    }

    private void EndLinger(string jobId, Subscription subscription)
    {
        lock (_lock)
        {
            // Someone came back meanwhile (the linger was stopped, or a new subscription replaced this one).
            if (subscription.Linger is null || !_subscriptions.TryGetValue(jobId, out var current) || current != subscription || _entries.ContainsKey(jobId))
            {
                return;
            }

            subscription.Linger.Dispose();
            _subscriptions.Remove(jobId);
            _ = EndAsync(subscription.Confirmed);
        }
    }

    // A subscription that failed has nothing to end; the store's unsubscribe handles its own failures.
    private static async Task EndAsync(Task<Func<Task>> confirmed)
    {
        await ((Task)confirmed).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (confirmed.IsCompletedSuccessfully)
        {
            await confirmed.Result().ConfigureAwait(false);
        }
    }

    private Task<Func<Task>> Subscribe(string jobId)
    {
        try
        {
            return _subscribe!(jobId);
        }
        catch (Exception e)
        {
            return Task.FromException<Func<Task>>(e);
        }
    }

    private sealed class Entry
    {
        public List<ChangeWaiter> Waiters { get; } = [];

        public List<CancelRegistration> Cancels { get; } = [];
    }

    private sealed class Subscription(Task<Func<Task>> confirmed)
    {
        public Task<Func<Task>> Confirmed { get; set; } = confirmed;

        public ITimer? Linger { get; set; }
    }
}
