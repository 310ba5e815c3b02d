using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// Jobs, their followers and the outbox in Redis, shared by every web and worker process of the backend. Each change is
/// one Lua script over one job's keys (see <see cref="JobScripts"/>) that also announces it on the job's own channel;
/// this process subscribes to a job's channel only while something here waits on the job or runs it, and the messages
/// wake its long polls and cancel subscriptions. The design is described in Jobs/readme.md.
/// </summary>
internal sealed class RedisJobStore : IJobStore, IDisposable
{
    /// <summary>A job that has not ended and has not changed for this long is forgotten, as in the embedded store.</summary>
    internal static readonly TimeSpan LiveJobTtl = TimeSpan.FromHours(24);

    /// <summary>How often running jobs of this process look for a cancel whose message was lost (Hangfire's own check runs every 5 s too).</summary>
    internal static readonly TimeSpan CancelCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after a live job's keys were last given their time to live a change renews it. They get
    /// <see cref="LiveJobTtl"/> plus this, so a job is still kept at least a day after its last change while most
    /// changes (a start, a progress report) renew nothing.
    /// </summary>
    internal static readonly TimeSpan LiveTtlRenewal = TimeSpan.FromHours(1);

    /// <summary>
    /// The largest outputs (bytes of JSON) a success's change message carries, so the long poll it wakes answers without
    /// reading the job. Most callbacks' outputs are a few values; a larger message would go to every process following
    /// the job to spare one read, so larger outputs are read as before.
    /// </summary>
    internal const int OutputsInMessageLimit = 1024;

    // How long the alias a join leaves behind is kept: long enough for any sweep of its admission.
    private static readonly TimeSpan AliasTtl = TimeSpan.FromHours(1);
    private static readonly RedisValue[] RecordFields = ["r", "args"];
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long a job's subscription outlives its last waiter: a long poll that re-arms at once keeps it.</summary>
    internal static readonly TimeSpan SubscriptionLinger = TimeSpan.FromSeconds(2);

    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly long _liveTtlMs = (long)LiveJobTtl.TotalMilliseconds;
    private readonly long _jobLiveTtlMs = (long)(LiveJobTtl + LiveTtlRenewal).TotalMilliseconds;
    private readonly long _renewalMs = (long)LiveTtlRenewal.TotalMilliseconds;
    private readonly long _aliasTtlMs = (long)AliasTtl.TotalMilliseconds;
    private readonly long _endedTtlMs;
    private readonly TimeSpan _workerRetryWindow;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _cancelCheck;
    private readonly Lock _lock = new();
    private Task? _attached;
    private IConnectionMultiplexer? _attachedTo;
    private bool _disposed;

    // Whether jobs' sightings are kept (abandoned jobs are cancelled): otherwise nothing would ever sweep the set.
    private readonly bool _trackSightings;

    /// <summary>Builds the store; nothing is sent to Redis until the first call, which connects.</summary>
    public RedisJobStore(RedisConnection connection, RedisKeys keys, TimeSpan retention, TimeSpan workerRetryWindow, TimeProvider time, ILogger logger, bool trackSightings = false)
    {
        _trackSightings = trackSightings;
        _connection = connection;
        _keys = keys;
        _endedTtlMs = Math.Max(1, (long)retention.TotalMilliseconds);
        _workerRetryWindow = workerRetryWindow;
        _time = time;
        _logger = logger;
        Changes = new JobChangeNotifier(SubscribeAsync, SubscriptionLinger, time);
        _cancelCheck = time.CreateTimer(static state => _ = ((RedisJobStore)state!).CheckCancelsAsync(), this, CancelCheckInterval, CancelCheckInterval);
    }

    public JobChangeNotifier Changes { get; }

    public async ValueTask<AdmissionResult> AdmitAsync(Admission admission, CancellationToken cancellationToken)
    {
        var record = admission.Record;
        RedisKey[] keys = admission.Joinable && record.Key is { } key
            ? [_keys.Job(record.JobId), _keys.Index(key)]
            : [_keys.Job(record.JobId)];

        // Both go out in one write: the outbox entry first, so an admission is never in Redis without it.
        var db = await DatabaseAsync().ConfigureAwait(false);
        var outboxed = db.SortedSetAddAsync(_keys.Outbox, admission.Handle, Now());
        var seen = _trackSightings ? db.SortedSetAddAsync(_keys.Seen, record.JobId, Now()) : null;
        var admitted = db.ScriptEvaluateAsync(
            JobScripts.Admit,
            keys,
            [admission.FollowerId, AttachedFollower(record.Owner, admission.Slot), JobRecordCodec.Encode(record), record.CallbackId, _liveTtlMs, _keys.Prefix, record.JobId, _aliasTtlMs, JobRecordCodec.EncodeArguments(record), Now(), _jobLiveTtlMs]);
        await RedisFailures.GuardAsync(() => outboxed).ConfigureAwait(false);
        var result = (RedisResult[])(await RedisFailures.GuardAsync(() => admitted).ConfigureAwait(false))!;
        if (seen is not null)
        {
            await RedisFailures.GuardAsync(() => seen).ConfigureAwait(false);
            if ((int)result[0] == 1)
            {
                // It joined: the job it joined is the one seen, and the name it would have had is no job.
                db.SortedSetAdd(_keys.Seen, (string)result[1]!, Now(), SortedSetWhen.Exists, CommandFlags.FireAndForget);
                db.SortedSetRemove(_keys.Seen, record.JobId, CommandFlags.FireAndForget);
            }
        }

        return new AdmissionResult((string)result[1]!, (int)result[0] == 1, (JobStatus)(int)result[2]);
    }

    public async ValueTask<string?> ReplaceSlotAsync(string slot, string handle, CancellationToken cancellationToken)
    {
        var previous = await CallAsync(db => db.StringSetAndGetAsync(_keys.Slot(slot), handle, LiveJobTtl)).ConfigureAwait(false);
        return previous.IsNull ? null : (string?)previous;
    }

    public async ValueTask<string?> GetSlotAsync(string slot, CancellationToken cancellationToken)
    {
        var handle = await CallAsync(db => db.StringGetAsync(_keys.Slot(slot))).ConfigureAwait(false);
        return handle.IsNull ? null : (string?)handle;
    }

    public async ValueTask<JobView?> ReadAsync(string jobId, string followerId, long afterVersion, CancellationToken cancellationToken, bool withProgressLog = false)
    {
        await SubscribedAsync(jobId).ConfigureAwait(false);
        var result = await CallAsync(db => db.ScriptEvaluateAsync(
            JobScripts.Read,
            JobKeys(jobId),
            [followerId, afterVersion, withProgressLog ? 1 : 0])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var f = (RedisResult[])result!;
        var follower = FollowerValue.Parse((string)f[0]!);
        var callbackId = (string)f[1]!;
        if (follower.Detached)
        {
            return follower.View(jobId, callbackId);
        }

        var entries = (RedisValue[])f[9]!;
        var updates = new SideUpdate[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            updates[i] = SideUpdateCodec.Decode(entries[i]!);
        }

        var logged = (RedisValue[])f[10]!;
        var reports = logged.Length == 0 ? [] : new ProgressReport[logged.Length];
        for (var i = 0; i < logged.Length; i++)
        {
            reports[i] = ProgressReportCodec.Decode(logged[i]!);
        }

        return new JobView(
            jobId,
            callbackId,
            follower.Owner,
            Status: (JobStatus)(int)f[2],
            Version: (long)f[3],
            ProgressJson: f[5].IsNull ? null : (string?)f[5],
            ProgressVersion: (long)f[4],
            ProgressReports: reports,
            SideUpdates: updates,
            OutputsJson: f[6].IsNull ? null : (string?)f[6],
            Error: f[7].IsNull ? null : (string?)f[7],
            CancelReason: f[8].IsNull ? null : (string?)f[8]);
    }

    public async ValueTask<JobView?> DetachAsync(string jobId, string followerId, string reason, CancellationToken cancellationToken, Owner? owner = null)
    {
        var result = await CallAsync(db => db.ScriptEvaluateAsync(
            JobScripts.Detach,
            JobKeys(jobId),
            [followerId, reason, _endedTtlMs, _keys.ChangesName(jobId), jobId, owner is null ? "0" : "1", owner?.Id ?? string.Empty])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        if (result.Resp2Type == ResultType.Integer)
        {
            // The job had ended: its outcome stands for this follower too.
            return await ReadAsync(jobId, followerId, 0, cancellationToken).ConfigureAwait(false);
        }

        var parts = (RedisResult[])result!;
        if (parts.Length > 2 && (string?)parts[2] == "c")
        {
            await ForgetSightingAsync(jobId).ConfigureAwait(false);
        }

        return FollowerValue.Parse((string)parts[0]!).View(jobId, (string)parts[1]!);
    }

    public async ValueTask AcknowledgeAsync(string handle, CancellationToken cancellationToken) =>
        await CallAsync(db => db.SortedSetRemoveAsync(_keys.Outbox, handle)).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string>> ClaimUnacknowledgedAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken)
    {
        var now = Now();

        // Every process sweeps every few seconds and the outbox is nearly always without a stale admission: one plain
        // read answers that, and the claiming script (which counts as two commands) runs only when there is one.
        var cutoff = now - (long)olderThan.TotalMilliseconds;
        var stale = await CallAsync(db => db.SortedSetRangeByScoreAsync(_keys.Outbox, double.NegativeInfinity, cutoff, take: 1)).ConfigureAwait(false);
        if (stale.Length == 0)
        {
            return [];
        }

        var due = await CallAsync(db => db.ScriptEvaluateAsync(
            JobScripts.Claim,
            [_keys.Outbox],
            [now - (long)olderThan.TotalMilliseconds, max, now])).ConfigureAwait(false);
        return ((RedisValue[])due!).Select(v => (string)v!).ToArray();
    }

    public async ValueTask<AdmissionState?> InspectAsync(string jobId, string followerId, CancellationToken cancellationToken)
    {
        var result = await CallAsync(db => db.ScriptEvaluateAsync(
            JobScripts.Inspect,
            [_keys.Job(jobId)],
            [followerId, _keys.Prefix])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var f = (RedisResult[])result!;
        var follower = FollowerValue.Parse((string)f[1]!);
        return new AdmissionState(
            f[0].IsNull ? jobId : (string)f[0]!,
            !follower.Detached,
            follower.Slot,
            (string?)f[4] == followerId,
            (int)f[2] == (int)JobStatus.Queued && (int)f[3] == 0);
    }

    public async ValueTask<JobRecord?> GetRecordAsync(string jobId, CancellationToken cancellationToken)
    {
        var values = await WorkerAsync(jobId, db => db.HashGetAsync(_keys.Job(jobId), RecordFields)).ConfigureAwait(false);
        return values[0].IsNull ? null : JobRecordCodec.Decode(jobId, (byte[])values[0]!, values[1].IsNull ? null : (byte[])values[1]!);
    }

    public async ValueTask<JobStart> TryStartAsync(string jobId, string runId, CancellationToken cancellationToken)
    {
        var result = await WorkerAsync(jobId, db => db.ScriptEvaluateAsync(
            JobScripts.Start,
            JobKeys(jobId),
            [_jobLiveTtlMs, _keys.ChangesName(jobId), jobId, runId, Now(), _renewalMs])).ConfigureAwait(false);
        var f = (RedisResult[])result!;
        if (f.Length < 4)
        {
            return new JobStart(0, null, Canceled: false);
        }

        var record = JobRecordCodec.Decode(jobId, (byte[])f[2]!, f[3].IsNull ? null : (byte[])f[3]!);
        return new JobStart((int)f[0], record, Canceled: (int)f[1] == 1);
    }

    public async ValueTask AppendUpdatesAsync(string jobId, int attempt, IReadOnlyList<string> progressReports, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken)
    {
        const int Fixed = 8;
        var values = new RedisValue[Fixed + progressReports.Count + sideUpdates.Count];
        values[0] = attempt;
        values[1] = progressReports.Count;
        values[2] = _jobLiveTtlMs;
        values[3] = _keys.ChangesName(jobId);
        values[4] = jobId;
        values[5] = IJobStore.ProgressLogLength;
        values[6] = Now();
        values[7] = _renewalMs;
        for (var i = 0; i < progressReports.Count; i++)
        {
            values[Fixed + i] = progressReports[i];
        }

        var sideStart = Fixed + progressReports.Count;
        for (var i = 0; i < sideUpdates.Count; i++)
        {
            values[sideStart + i] = SideUpdateCodec.EncodeUnversioned(sideUpdates[i].Key, sideUpdates[i].Value);
        }

        // Not retried: the writer logs a lost report and carries on, and the next report or the result supersedes it.
        await CallAsync(db => db.ScriptEvaluateAsync(JobScripts.Append, JobKeys(jobId), values)).ConfigureAwait(false);
    }

    public async ValueTask<CompletionResult> CompleteAsync(string jobId, int attempt, JobOutcome outcome, CancellationToken cancellationToken)
    {
        var result = await WorkerAsync(jobId, db => db.ScriptEvaluateAsync(
            JobScripts.Complete,
            JobKeys(jobId),
            [
                attempt,
                (int)outcome.Status,
                outcome.OutputsJson is null ? "0" : "1",
                outcome.OutputsJson ?? string.Empty,
                outcome.Error is null ? "0" : "1",
                outcome.Error ?? string.Empty,
                _endedTtlMs,
                _keys.ChangesName(jobId),
                jobId,
                OutputsInMessageLimit,
            ])).ConfigureAwait(false);
        if ((int)result != 0)
        {
            await ForgetSightingAsync(jobId).ConfigureAwait(false);
        }

        return (int)result switch
        {
            1 => CompletionResult.Accepted,
            2 => CompletionResult.AlreadyEnded,
            _ => CompletionResult.Stale,
        };
    }

    public async ValueTask<bool> RequeueAsync(string jobId, int attempt, CancellationToken cancellationToken) =>
        (int)await WorkerAsync(jobId, db => db.ScriptEvaluateAsync(
            JobScripts.Requeue,
            JobKeys(jobId),
            [attempt, _jobLiveTtlMs, _keys.ChangesName(jobId), jobId, Now(), _renewalMs])).ConfigureAwait(false) == 1;

    public async ValueTask<IAsyncDisposable> SubscribeCancelAsync(string jobId, Action onCancel, CancellationToken cancellationToken)
    {
        // Returns once the subscription is confirmed (at once when this process already listens to the job, a lingering
        // subscription included), so a cancel after it is heard; one before it is what TryStartAsync answers.
        var registration = Changes.RegisterCancel(jobId, onCancel);
        await SubscribedAsync(jobId).ConfigureAwait(false);
        return registration;
    }

    public void Dispose()
    {
        IConnectionMultiplexer? attachedTo;
        lock (_lock)
        {
            _disposed = true;
            attachedTo = _attachedTo;
        }

        _cancelCheck.Dispose();

        // The multiplexer may be the application's and outlive us: leave nothing of ours on it.
        Changes.Close();
        if (attachedTo is not null)
        {
            attachedTo.ConnectionFailed -= OnConnectionFailed;
            attachedTo.ConnectionRestored -= OnConnectionRestored;
        }
    }

    /// <summary>Looks for cancels of this process's running jobs whose message was lost, and fires them.</summary>
    internal async Task CheckCancelsAsync()
    {
        var jobIds = Changes.CancelJobIds();
        if (jobIds.Length == 0)
        {
            return;
        }

        try
        {
            var db = await DatabaseAsync().ConfigureAwait(false);
            var checks = jobIds.Select(id => db.HashGetAsync(_keys.Job(id), "s")).ToArray();
            await Task.WhenAll(checks).ConfigureAwait(false);
            for (var i = 0; i < jobIds.Length; i++)
            {
                if (checks[i].Result == (int)JobStatus.Canceled)
                {
                    Changes.Signal(jobIds[i], canceled: true);
                }
            }
        }
        catch (Exception e) when (e is BackendUnavailableException || RedisFailures.IsUnavailable(e))
        {
            Log.CancelCheckFailed(_logger, e);
        }
    }

    /// <summary>The keys every script that reads or changes a job takes: the job, its side updates and its progress log.</summary>
    private RedisKey[] JobKeys(string jobId) => [_keys.Job(jobId), _keys.Updates(jobId), _keys.Progress(jobId)];

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string AttachedFollower(string owner, string? slot) => "a|" + slot + "|" + owner;

    /// <summary>
    /// Runs a write of a worker. A worker cannot answer 503 to anyone: rather than lose a finished job's outcome to a
    /// short outage, it tries again until Redis is back or until the time after which the worker would have been
    /// taken for dead anyway. Each try is atomic and a repeated completion is recognised, so retrying is safe.
    /// </summary>
    private async ValueTask<T> WorkerAsync<T>(string jobId, Func<IDatabase, Task<T>> operation)
    {
        var deadline = _time.GetUtcNow() + _workerRetryWindow;
        var delay = FirstRetryDelay;
        var logged = false;
        while (true)
        {
            try
            {
                return await CallAsync(operation).ConfigureAwait(false);
            }
            catch (BackendUnavailableException) when (_time.GetUtcNow() + delay < deadline)
            {
                if (!logged)
                {
                    Log.WorkerWriteRetrying(_logger, jobId, _workerRetryWindow);
                    logged = true;
                }

                await Task.Delay(delay, _time).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Runs one call on the database, connecting first if need be; an unreachable Redis gives the core's 503.</summary>
    private async ValueTask<T> CallAsync<T>(Func<IDatabase, Task<T>> operation)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        return await RedisFailures.GuardAsync(() => operation(db)).ConfigureAwait(false);
    }

    /// <summary>
    /// The database, once this store is attached to the multiplexer (its connection events are handled, so waiters
    /// read again when messages may have been lost).
    /// </summary>
    private async ValueTask<IDatabase> DatabaseAsync()
    {
        var db = await _connection.DatabaseAsync().ConfigureAwait(false);
        var attached = Volatile.Read(ref _attached);
        if (attached is null)
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                attached = _attached ??= AttachAsync(db.Multiplexer);
            }
        }

        await attached.ConfigureAwait(false);
        return db;
    }

    private Task AttachAsync(IConnectionMultiplexer redis)
    {
        _attachedTo = redis;
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits until this process's subscription to the job's channel is confirmed, when something here watches the job:
    /// a read after it cannot miss a change. Its failure is not the read's: the read then fails on its own or succeeds,
    /// and a waiter whose message is lost reads again when its wait ends.
    /// </summary>
    private async ValueTask SubscribedAsync(string jobId)
    {
        var subscribed = Changes.SubscribedAsync(jobId);
        if (!subscribed.IsCompleted)
        {
            await subscribed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Subscribes to one job's (or line's) channel with a handler of its own, so ending this subscription never ends a
    /// newer one of the same job. StackExchange.Redis makes a subscription again after a reconnect; one it could not
    /// make is made again when the connection is restored.
    /// </summary>
    private async Task<Func<Task>> SubscribeAsync(string watchId)
    {
        var channel = _keys.Changes(watchId);
        Action<RedisChannel, RedisValue> handler = (_, message) => Changes.Dispatch(message);
        ISubscriber? subscriber = null;
        try
        {
            var db = await DatabaseAsync().ConfigureAwait(false);
            subscriber = db.Multiplexer.GetSubscriber();
            await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackendUnavailableException || RedisFailures.IsUnavailable(e))
        {
            Log.SubscribeFailed(_logger, e);
            Unsubscribe(subscriber, channel, handler);
            throw;
        }

        return () =>
        {
            Unsubscribe(subscriber, channel, handler);
            return Task.CompletedTask;
        };
    }

    private static void Unsubscribe(ISubscriber? subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            subscriber?.Unsubscribe(channel, handler, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is ObjectDisposedException || RedisFailures.IsUnavailable(e))
        {
            // Closed already, or Redis is away: the subscription is gone with the connection.
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionFailed(_logger, e.Exception, e.EndPoint?.ToString() ?? "?", e.ConnectionType.ToString(), e.FailureType.ToString());

        // Messages are lost while disconnected: every long poll reads its job again now (and answers 503 while Redis is away).
        Changes.WakeAll();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?", e.ConnectionType.ToString());
        ThreadPool.UnsafeQueueUserWorkItem(
            static store =>
            {
                store.Changes.RetryFailedSubscriptions();
                store.Changes.WakeAll();
                _ = store.CheckCancelsAsync();
            },
            this,
            preferLocal: false);
    }

    public async ValueTask<bool> CancelJobAsync(string jobId, string reason, CancellationToken cancellationToken)
    {
        // Retried like a worker's writes: a time limit is enforced by a worker, which has nobody to answer 503 to.
        var canceled = await WorkerAsync(jobId, db => db.ScriptEvaluateAsync(
            JobScripts.CancelJob,
            JobKeys(jobId),
            [reason, _endedTtlMs, _keys.ChangesName(jobId), jobId])).ConfigureAwait(false);
        await ForgetSightingAsync(jobId).ConfigureAwait(false);
        return (int)canceled == 1;
    }

    public async ValueTask TouchAsync(string jobId, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        if (_trackSightings)
        {
            var now = Now();
            await CallAsync(db => db.ScriptEvaluateAsync(JobScripts.Touch, [_keys.Seen], [jobId, now, now - (long)staleAfter.TotalMilliseconds])).ConfigureAwait(false);
        }
    }

    public async ValueTask<IReadOnlyList<string>> ClaimUnseenAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken)
    {
        if (!_trackSightings)
        {
            return [];
        }

        var now = Now();
        var due = await CallAsync(db => db.ScriptEvaluateAsync(
            JobScripts.Claim,
            [_keys.Seen],
            [now - (long)olderThan.TotalMilliseconds, max, now])).ConfigureAwait(false);
        return ((RedisValue[])due!).Select(v => (string)v!).ToArray();
    }

    /// <summary>
    /// Drops an ended job's sighting, in a step of its own (the set is outside the job's tag). Best effort: a sighting
    /// left behind is claimed by a sweeper after the grace, whose cancel finds the job ended and drops it.
    /// </summary>
    private async ValueTask ForgetSightingAsync(string jobId)
    {
        if (!_trackSightings)
        {
            return;
        }

        try
        {
            await CallAsync(db => db.SortedSetRemoveAsync(_keys.Seen, jobId, CommandFlags.FireAndForget)).ConfigureAwait(false);
        }
        catch (BackendUnavailableException)
        {
            // Redis went away just after the job ended: the sweeper drops the sighting later.
        }
    }
}
