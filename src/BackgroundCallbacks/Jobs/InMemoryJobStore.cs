using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The embedded job store: one process, no server. Each job has a lock; admission also takes one store-wide lock, so
/// join-or-create is one atomic step. Every change signals <see cref="Changes"/>, which long polls await without
/// holding a thread.
/// </summary>
internal sealed class InMemoryJobStore : IJobStore, IDisposable
{
    // A job that has not ended but has not changed for this long is forgotten; nothing in one process waits that long.
    private static readonly TimeSpan StaleJobAge = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _slots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _outbox = new(StringComparer.Ordinal);

    // An admission that joined names, in the outbox, the job id it would have created; this leads from it to the job.
    private readonly ConcurrentDictionary<string, string> _joinedAs = new(StringComparer.Ordinal);
    private readonly Lock _admission = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly ITimer _sweeper;

    // Null unless abandoned jobs are cancelled: nothing else reads when a job was last followed.
    private readonly JobSightings? _sightings;

    public InMemoryJobStore(TimeProvider time, IOptions<BackgroundCallbacksOptions> options)
    {
        _time = time;
        _retention = options.Value.JobRetention;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, Math.Min(_retention.Ticks, TimeSpan.FromMinutes(1).Ticks)));
        _sweeper = time.CreateTimer(static state => ((InMemoryJobStore)state!).Sweep(), this, period, period);
        _sightings = options.Value.AbandonedJobGrace is null ? null : new JobSightings();
    }

    public JobChangeNotifier Changes { get; } = new();

    public ValueTask<AdmissionResult> AdmitAsync(Admission admission, CancellationToken cancellationToken)
    {
        var record = admission.Record;
        var follower = new Follower(record.Owner, admission.Slot);
        _outbox[admission.Handle] = _time.GetUtcNow();
        lock (_admission)
        {
            if (admission.Joinable && record.Key is { } key && _byKey.TryGetValue(key, out var current) && _jobs.TryGetValue(current, out var existing))
            {
                lock (existing)
                {
                    if (!existing.Status.IsTerminal())
                    {
                        existing.Followers[admission.FollowerId] = follower;
                        existing.Attached++;
                        _joinedAs[record.JobId] = current;
                        _sightings?.Admitted(current, _time.GetUtcNow().UtcTicks);
                        return ValueTask.FromResult(new AdmissionResult(current, Joined: true, existing.Status));
                    }
                }
            }

            var entry = new Entry(record, admission.FollowerId, _time.GetUtcNow());
            entry.Followers[admission.FollowerId] = follower;
            entry.Attached = 1;
            if (!_jobs.TryAdd(record.JobId, entry))
            {
                throw new InvalidOperationException("A job with this id exists already.");
            }

            if (record.Key is { } created)
            {
                _byKey[created] = record.JobId;
            }

            _sightings?.Admitted(record.JobId, _time.GetUtcNow().UtcTicks);

            return ValueTask.FromResult(new AdmissionResult(record.JobId, Joined: false, JobStatus.Queued));
        }
    }

    public ValueTask<string?> ReplaceSlotAsync(string slot, string handle, CancellationToken cancellationToken)
    {
        string? previous = null;
        _slots.AddOrUpdate(slot, handle, (_, old) =>
        {
            previous = old;
            return handle;
        });
        return ValueTask.FromResult(previous);
    }

    public ValueTask<string?> GetSlotAsync(string slot, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_slots.TryGetValue(slot, out var handle) ? handle : null);

    public ValueTask<JobView?> ReadAsync(string jobId, string followerId, long afterVersion, CancellationToken cancellationToken, bool withProgressLog = false)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult<JobView?>(null);
        }

        lock (entry)
        {
            return ValueTask.FromResult(entry.Followers.TryGetValue(followerId, out var follower) ? entry.ViewLocked(follower, afterVersion, withProgressLog) : null);
        }
    }

    public ValueTask<JobView?> DetachAsync(string jobId, string followerId, string reason, CancellationToken cancellationToken, Owners.Owner? owner = null)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult<JobView?>(null);
        }

        bool canceled;
        JobView view;
        lock (entry)
        {
            if (!entry.Followers.TryGetValue(followerId, out var follower)
                || (owner is not null && !Owners.OwnerResolver.IsOwner(follower.Owner, owner)))
            {
                return ValueTask.FromResult<JobView?>(null);
            }

            if (follower.DetachReason is not null || entry.Status.IsTerminal())
            {
                // Left already, or the job has ended: its outcome stands for this follower too.
                return ValueTask.FromResult<JobView?>(entry.ViewLocked(follower, 0));
            }

            entry.Touch(_time);
            follower.DetachReason = reason;
            follower.DetachVersion = entry.Version;
            entry.Attached--;
            canceled = entry.Attached == 0 && !entry.Status.IsTerminal();
            if (canceled)
            {
                // The last follower left: the job ends now; a running handler is told through its token.
                entry.Status = JobStatus.Canceled;
                entry.CancelReason = reason;
                entry.DropArguments();
            }

            view = entry.ViewLocked(follower, 0);
        }

        if (canceled)
        {
            ReleaseKey(entry);
        }

        Changes.Signal(jobId, canceled);
        return ValueTask.FromResult<JobView?>(view);
    }

    public ValueTask AcknowledgeAsync(string handle, CancellationToken cancellationToken)
    {
        _outbox.TryRemove(handle, out _);
        if (JobHandles.TryParse(handle, out _, out var jobId, out _))
        {
            _joinedAs.TryRemove(jobId, out _);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> ClaimUnacknowledgedAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var claimed = new List<string>();
        foreach (var (handle, admitted) in _outbox)
        {
            if (claimed.Count >= max)
            {
                break;
            }

            if (now - admitted >= olderThan && _outbox.TryUpdate(handle, now, admitted))
            {
                claimed.Add(handle);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(claimed);
    }

    public ValueTask<AdmissionState?> InspectAsync(string jobId, string followerId, CancellationToken cancellationToken)
    {
        jobId = _joinedAs.GetValueOrDefault(jobId) ?? jobId;
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult<AdmissionState?>(null);
        }

        lock (entry)
        {
            if (!entry.Followers.TryGetValue(followerId, out var follower))
            {
                return ValueTask.FromResult<AdmissionState?>(null);
            }

            return ValueTask.FromResult<AdmissionState?>(new AdmissionState(
                jobId,
                follower.DetachReason is null,
                follower.Slot,
                entry.CreatorId == followerId,
                entry.Status == JobStatus.Queued && entry.Attempt == 0));
        }
    }

    public ValueTask<JobRecord?> GetRecordAsync(string jobId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_jobs.TryGetValue(jobId, out var entry) ? entry.Record : null);

    public ValueTask<JobStart> TryStartAsync(string jobId, string runId, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult(new JobStart(0, null, Canceled: false));
        }

        int attempt;
        JobRecord record;
        lock (entry)
        {
            if (entry.Status.IsTerminal())
            {
                return ValueTask.FromResult(new JobStart(0, entry.Record, entry.Status == JobStatus.Canceled));
            }

            if (entry.Status == JobStatus.Running && entry.RunId != runId)
            {
                return ValueTask.FromResult(new JobStart(IJobStore.DuplicateRun, entry.Record, Canceled: false));
            }

            entry.Status = JobStatus.Running;
            entry.RunId = runId;
            attempt = ++entry.Attempt;
            record = entry.Record;
            entry.Touch(_time);
        }

        Changes.Signal(jobId, canceled: false);
        return ValueTask.FromResult(new JobStart(attempt, record, Canceled: false));
    }

    public ValueTask AppendUpdatesAsync(string jobId, int attempt, IReadOnlyList<string> progressReports, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.CompletedTask;
        }

        lock (entry)
        {
            if (entry.Status != JobStatus.Running || entry.Attempt != attempt)
            {
                return ValueTask.CompletedTask;
            }

            entry.Touch(_time);
            foreach (var progress in progressReports)
            {
                entry.AddProgressLocked(progress);
            }

            foreach (var (componentId, props) in sideUpdates)
            {
                entry.SideUpdates.Add(new SideUpdate(entry.Version, componentId, props));
            }
        }

        Changes.Signal(jobId, canceled: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask<CompletionResult> CompleteAsync(string jobId, int attempt, JobOutcome outcome, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult(CompletionResult.Stale);
        }

        lock (entry)
        {
            if (entry.Attempt != attempt)
            {
                return ValueTask.FromResult(CompletionResult.Stale);
            }

            if (entry.Status.IsTerminal())
            {
                return ValueTask.FromResult(CompletionResult.AlreadyEnded);
            }

            entry.Status = outcome.Status;
            entry.OutputsJson = outcome.OutputsJson;
            entry.Error = outcome.Error;
            entry.DropArguments();
            entry.Touch(_time);
        }

        ReleaseKey(entry);
        Changes.Signal(jobId, canceled: false);
        return ValueTask.FromResult(CompletionResult.Accepted);
    }

    public ValueTask<bool> RequeueAsync(string jobId, int attempt, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            return ValueTask.FromResult(false);
        }

        lock (entry)
        {
            if (entry.Status != JobStatus.Running || entry.Attempt != attempt)
            {
                return ValueTask.FromResult(false);
            }

            entry.Status = JobStatus.Queued;
            entry.Touch(_time);
        }

        Changes.Signal(jobId, canceled: false);
        return ValueTask.FromResult(true);
    }

    public ValueTask<IAsyncDisposable> SubscribeCancelAsync(string jobId, Action onCancel, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable>(Changes.RegisterCancel(jobId, onCancel));

    public void Dispose() => _sweeper.Dispose();

    /// <summary>An ended (or forgotten) job lets go of its cache key's index entry and of its sighting.</summary>
    private void ReleaseKey(Entry entry)
    {
        if (entry.Record.Key is { } key)
        {
            _byKey.TryRemove(new KeyValuePair<string, string>(key, entry.Record.JobId));
        }

        _sightings?.Forget(entry.Record.JobId);
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (jobId, entry) in _jobs)
        {
            bool expired;
            lock (entry)
            {
                var age = now - entry.UpdatedAt;
                expired = entry.Status.IsTerminal() ? age >= _retention : age >= StaleJobAge;
            }

            if (expired && _jobs.TryRemove(jobId, out _))
            {
                ReleaseKey(entry);
            }
        }

        foreach (var (slot, handle) in _slots)
        {
            if (!JobHandles.TryParse(handle, out _, out var jobId, out _) || !_jobs.ContainsKey(jobId))
            {
                _slots.TryRemove(new KeyValuePair<string, string>(slot, handle));
            }
        }
    }

    public ValueTask<bool> CancelJobAsync(string jobId, string reason, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(jobId, out var entry))
        {
            _sightings?.Forget(jobId);
            return ValueTask.FromResult(false);
        }

        lock (entry)
        {
            if (entry.Status.IsTerminal())
            {
                return ValueTask.FromResult(false);
            }

            // Followers that left keep their own reason; the others see the job's.
            entry.Status = JobStatus.Canceled;
            entry.CancelReason = reason;
            entry.DropArguments();
            entry.Touch(_time);
        }

        ReleaseKey(entry);
        Changes.Signal(jobId, canceled: true);
        return ValueTask.FromResult(true);
    }

    public ValueTask TouchAsync(string jobId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        _sightings?.Touch(jobId, now, now - staleAfter.Ticks);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> ClaimUnseenAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        return ValueTask.FromResult(_sightings?.Claim(now - olderThan.Ticks, now, max) ?? []);
    }

    private sealed class Follower(string owner, string? slot)
    {
        public string Owner { get; } = owner;

        public string? Slot { get; } = slot;

        public string? DetachReason { get; set; }

        public long DetachVersion { get; set; }
    }

    private sealed class Entry(JobRecord record, string creatorId, DateTimeOffset createdAt)
    {
        public JobRecord Record { get; private set; } = record;

        public string CreatorId { get; } = creatorId;

        /// <summary>
        /// An ended job never runs again: what only its run reads (arguments, possibly large; ids; request values,
        /// possibly a cookie) need not live out its retention.
        /// </summary>
        public void DropArguments() => Record = Record with { ArgsJson = JobRecord.DroppedArguments, IdsJson = null, RequestValuesJson = null };

        public Dictionary<string, Follower> Followers { get; } = new(StringComparer.Ordinal);

        public int Attached { get; set; }

        public JobStatus Status { get; set; } = JobStatus.Queued;

        public long Version { get; private set; } = 1;

        public string? ProgressJson { get; private set; }

        public long ProgressVersion { get; private set; }

        // Not reset by a re-run: the sequence keeps growing across attempts.
        public long ProgressSequence { get; private set; }

        public Queue<ProgressReport> ProgressLog { get; } = new();

        public List<SideUpdate> SideUpdates { get; } = [];

        public string? OutputsJson { get; set; }

        public string? Error { get; set; }

        public string? CancelReason { get; set; }

        public int Attempt { get; set; }

        public string? RunId { get; set; }

        public DateTimeOffset UpdatedAt { get; private set; } = createdAt;

        /// <summary>Bumps the version. Call under the entry's lock.</summary>
        public void Touch(TimeProvider time)
        {
            Version++;
            UpdatedAt = time.GetUtcNow();
        }

        /// <summary>Logs one report at the current version, keeping the last <see cref="IJobStore.ProgressLogLength"/>. Call under the entry's lock.</summary>
        public void AddProgressLocked(string progressJson)
        {
            ProgressSequence++;
            ProgressJson = progressJson;
            ProgressVersion = Version;
            ProgressLog.Enqueue(new ProgressReport(Version, ProgressSequence, progressJson));
            if (ProgressLog.Count > IJobStore.ProgressLogLength)
            {
                ProgressLog.Dequeue();
            }
        }

        public JobView ViewLocked(Follower follower, long after, bool withProgressLog = false)
        {
            if (follower.DetachReason is { } reason)
            {
                return new JobView(Record.JobId, Record.CallbackId, follower.Owner, JobStatus.Canceled, follower.DetachVersion, null, ProgressVersion, [], [], null, null, reason);
            }

            var first = SideUpdates.Count;
            while (first > 0 && SideUpdates[first - 1].Version > after)
            {
                first--;
            }

            return new JobView(
                Record.JobId,
                Record.CallbackId,
                follower.Owner,
                Status,
                Version,
                ProgressVersion > after ? ProgressJson : null,
                ProgressVersion,
                withProgressLog && ProgressVersion > after ? ProgressLog.Where(p => p.Version > after).ToArray() : [],
                first == SideUpdates.Count ? [] : SideUpdates.GetRange(first, SideUpdates.Count - first).ToArray(),
                OutputsJson,
                Error,
                CancelReason);
        }
    }
}
