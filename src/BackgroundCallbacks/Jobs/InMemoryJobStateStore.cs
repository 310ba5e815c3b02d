using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The embedded job state store: one process, no server. Each job has a lock; a change completes the job's
/// current change signal, which long polls await without holding a thread.
/// </summary>
internal sealed class InMemoryJobStateStore : IJobStateStore, IDisposable
{
    // A job that has not ended but has not changed for this long is forgotten; nothing in one process waits that long.
    private static readonly TimeSpan StaleJobAge = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _activeBySlot = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly ITimer _sweeper;

    public InMemoryJobStateStore(TimeProvider time, IOptions<BackgroundCallbacksOptions> options)
    {
        _time = time;
        _retention = options.Value.JobRetention;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, Math.Min(_retention.Ticks, TimeSpan.FromMinutes(1).Ticks)));
        _sweeper = time.CreateTimer(static state => ((InMemoryJobStateStore)state!).Sweep(), this, period, period);
    }

    /// <summary>How many long polls wait on a job now; lets tests know a poll is parked without sleeping.</summary>
    internal int WaitersOf(string handle) => _jobs.TryGetValue(handle, out var entry) ? Volatile.Read(ref entry.Waiters) : 0;

    public ValueTask CreateAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var entry = new Entry(record, _time.GetUtcNow());
        if (!_jobs.TryAdd(record.Handle, entry))
        {
            throw new InvalidOperationException("A job with this handle exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<JobRecord?> GetRecordAsync(string handle, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(handle, out var entry) ? entry.Record : null);

    public ValueTask<JobSnapshot?> GetAsync(string handle, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(handle, out var entry) ? entry.Snapshot() : null);

    public async ValueTask<JobSnapshot?> WaitForChangeAsync(string handle, long afterVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return null;
        }

        Task changed;
        lock (entry)
        {
            if (entry.Version > afterVersion || entry.Status.IsTerminal() || maxWait <= TimeSpan.Zero)
            {
                return entry.SnapshotLocked();
            }

            changed = entry.Changed.Task;
        }

        Interlocked.Increment(ref entry.Waiters);
        try
        {
            await changed.WaitAsync(maxWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The wait ran out: the caller gets the state as it is.
        }
        finally
        {
            Interlocked.Decrement(ref entry.Waiters);
        }

        return entry.Snapshot();
    }

    public ValueTask<int> TryStartAsync(string handle, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return ValueTask.FromResult(0);
        }

        lock (entry)
        {
            if (entry.Status.IsTerminal() || entry.CancelReason is not null)
            {
                return ValueTask.FromResult(0);
            }

            entry.Status = JobStatus.Running;
            entry.Attempt++;
            entry.Touch(_time);
            return ValueTask.FromResult(entry.Attempt);
        }
    }

    public ValueTask AppendUpdatesAsync(string handle, int attempt, string? progressJson, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return ValueTask.CompletedTask;
        }

        lock (entry)
        {
            if (entry.Status.IsTerminal() || entry.Attempt != attempt)
            {
                return ValueTask.CompletedTask;
            }

            var version = entry.Version + 1;
            if (progressJson is not null)
            {
                entry.ProgressJson = progressJson;
                entry.ProgressVersion = version;
            }

            foreach (var (componentId, props) in sideUpdates)
            {
                entry.SideUpdates.Add(new SideUpdate(version, componentId, props));
            }

            entry.Touch(_time);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> CompleteAsync(string handle, int attempt, JobOutcome outcome, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return ValueTask.FromResult(false);
        }

        lock (entry)
        {
            if (entry.Attempt != attempt)
            {
                return ValueTask.FromResult(false);
            }

            if (entry.Status.IsTerminal() || (entry.CancelReason is not null && outcome.Status != JobStatus.Canceled))
            {
                if (!entry.Status.IsTerminal())
                {
                    // The handler finished although a cancel was asked for: the job still ends as cancelled.
                    entry.Status = JobStatus.Canceled;
                    entry.Touch(_time);
                }

                return ValueTask.FromResult(false);
            }

            entry.Status = outcome.Status;
            entry.OutputsJson = outcome.OutputsJson;
            entry.Error = outcome.Error;
            entry.Touch(_time);
        }

        ReleaseSlot(entry.Record);
        return ValueTask.FromResult(true);
    }

    public ValueTask RequeueAsync(string handle, int attempt, CancellationToken cancellationToken)
    {
        if (_jobs.TryGetValue(handle, out var entry))
        {
            lock (entry)
            {
                if (entry.Status == JobStatus.Running && entry.Attempt == attempt)
                {
                    entry.Status = JobStatus.Queued;
                    entry.Touch(_time);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RequestCancelAsync(string handle, string reason, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return ValueTask.FromResult(false);
        }

        List<Action>? toCall;
        lock (entry)
        {
            if (entry.Status.IsTerminal() || entry.CancelReason is not null)
            {
                return ValueTask.FromResult(false);
            }

            entry.CancelReason = reason;
            if (entry.Status == JobStatus.Queued)
            {
                entry.Status = JobStatus.Canceled;
            }

            entry.Touch(_time);
            toCall = entry.CancelCallbacks;
            entry.CancelCallbacks = null;
        }

        if (entry.Status == JobStatus.Canceled)
        {
            ReleaseSlot(entry.Record);
        }

        if (toCall is not null)
        {
            foreach (var callback in toCall)
            {
                callback();
            }
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<string?> ReplaceActiveAsync(string slot, string handle, CancellationToken cancellationToken)
    {
        string? previous = null;
        _activeBySlot.AddOrUpdate(slot, handle, (_, old) =>
        {
            previous = old;
            return handle;
        });
        return ValueTask.FromResult(previous);
    }

    public ValueTask<IAsyncDisposable> SubscribeCancelAsync(string handle, Action onCancel, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(handle, out var entry))
        {
            return ValueTask.FromResult<IAsyncDisposable>(NoSubscription.Instance);
        }

        lock (entry)
        {
            if (entry.CancelReason is null)
            {
                (entry.CancelCallbacks ??= []).Add(onCancel);
                return ValueTask.FromResult<IAsyncDisposable>(new Subscription(entry, onCancel));
            }
        }

        onCancel();
        return ValueTask.FromResult<IAsyncDisposable>(NoSubscription.Instance);
    }

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (handle, entry) in _jobs)
        {
            bool expired;
            lock (entry)
            {
                var age = now - entry.UpdatedAt;
                expired = entry.Status.IsTerminal() ? age >= _retention : age >= StaleJobAge;
            }

            if (expired && _jobs.TryRemove(handle, out _))
            {
                ReleaseSlot(entry.Record);
            }
        }
    }

    private void ReleaseSlot(JobRecord record) =>
        _activeBySlot.TryRemove(new KeyValuePair<string, string>(record.Slot, record.Handle));

    private sealed class Entry(JobRecord record, DateTimeOffset createdAt)
    {
#pragma warning disable CA1051 // A field, so waiters can count themselves with Interlocked.
        public int Waiters;
#pragma warning restore CA1051

        public JobRecord Record { get; } = record;

        public JobStatus Status { get; set; } = JobStatus.Queued;

        public long Version { get; private set; } = 1;

        public string? ProgressJson { get; set; }

        public long ProgressVersion { get; set; }

        public List<SideUpdate> SideUpdates { get; } = [];

        public string? OutputsJson { get; set; }

        public string? Error { get; set; }

        public string? CancelReason { get; set; }

        public int Attempt { get; set; }

        public DateTimeOffset UpdatedAt { get; private set; } = createdAt;

        public List<Action>? CancelCallbacks { get; set; }

        public TaskCompletionSource Changed { get; private set; } = NewSignal();

        /// <summary>Bumps the version and wakes the waiters. Call under the entry's lock.</summary>
        public void Touch(TimeProvider time)
        {
            Version++;
            UpdatedAt = time.GetUtcNow();
            var changed = Changed;
            Changed = NewSignal();
            changed.TrySetResult();
        }

        public JobSnapshot Snapshot()
        {
            lock (this)
            {
                return SnapshotLocked();
            }
        }

        public JobSnapshot SnapshotLocked() => new(
            Record.Handle,
            Record.Owner,
            Record.CallbackId,
            Status,
            Version,
            ProgressJson,
            ProgressVersion,
            SideUpdates.ToArray(),
            OutputsJson,
            Error,
            CancelReason,
            Attempt);

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Subscription(Entry entry, Action onCancel) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (entry)
            {
                entry.CancelCallbacks?.Remove(onCancel);
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoSubscription : IAsyncDisposable
    {
        public static NoSubscription Instance { get; } = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
