using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// Job records and state in Redis, shared by every web and worker process of the backend. Each change is one Lua
/// script (see <see cref="JobScripts"/>) that also announces it on the changes channel; this process's one
/// subscription to that channel wakes its own long polls and cancel subscriptions by handle (see
/// <see cref="JobChangeNotifier"/>). The design is described in Jobs/readme.md.
/// </summary>
internal sealed class RedisJobStateStore : IJobStateStore, IDisposable
{
    /// <summary>A job that has not ended and has not changed for this long is forgotten, as in the embedded store.</summary>
    internal static readonly TimeSpan LiveJobTtl = TimeSpan.FromHours(24);

    /// <summary>How often running jobs of this process look for a cancel whose message was lost (Hangfire's own check runs every 5 s too).</summary>
    internal static readonly TimeSpan CancelCheckInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly ISubscriber _subscriber;
    private readonly RedisKeys _keys;
    private readonly JobChangeNotifier _notifier = new();
    private readonly long _liveTtlMs = (long)LiveJobTtl.TotalMilliseconds;
    private readonly long _endedTtlMs;
    private readonly TimeSpan _workerRetryWindow;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _cancelCheck;
    private int _subscribed;

    public RedisJobStateStore(IConnectionMultiplexer redis, RedisKeys keys, TimeSpan retention, TimeSpan workerRetryWindow, TimeProvider time, ILogger logger)
    {
        _redis = redis;
        _db = redis.GetDatabase();
        _subscriber = redis.GetSubscriber();
        _keys = keys;
        _endedTtlMs = Math.Max(1, (long)retention.TotalMilliseconds);
        _workerRetryWindow = workerRetryWindow;
        _time = time;
        _logger = logger;
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        TrySubscribe();
        _cancelCheck = time.CreateTimer(static state => _ = ((RedisJobStateStore)state!).CheckCancelsAsync(), this, CancelCheckInterval, CancelCheckInterval);
    }

    internal JobChangeNotifier Notifier => _notifier;

    public async ValueTask CreateAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var created = await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(
            JobScripts.Create,
            [_keys.Job(record.Handle)],
            [JobRecordCodec.Encode(record), record.Owner, record.CallbackId, (string?)_keys.Slot(record.Slot), _liveTtlMs])).ConfigureAwait(false);
        if ((int)created == 0)
        {
            throw new InvalidOperationException("A job with this handle exists already.");
        }
    }

    public async ValueTask<JobRecord?> GetRecordAsync(string handle, CancellationToken cancellationToken)
    {
        var value = await WorkerAsync(handle, () => _db.HashGetAsync(_keys.Job(handle), "r")).ConfigureAwait(false);
        return value.IsNull ? null : JobRecordCodec.Decode(handle, (byte[])value!);
    }

    public ValueTask<JobSnapshot?> GetAsync(string handle, CancellationToken cancellationToken) => ReadAsync(handle);

    public async ValueTask<JobSnapshot?> WaitForChangeAsync(string handle, long afterVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + maxWait;
        while (true)
        {
            // Watch before reading: a change that lands between the read and the wait still wakes this waiter.
            using var waiter = _notifier.Watch(handle);
            var snapshot = await ReadAsync(handle).ConfigureAwait(false);
            var remaining = deadline - _time.GetUtcNow();
            if (snapshot is null || snapshot.Version > afterVersion || snapshot.Status.IsTerminal() || remaining <= TimeSpan.Zero)
            {
                return snapshot;
            }

            try
            {
                await waiter.Changed.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // No message came, or it was lost: the job is read once more and returned as it is.
                return await ReadAsync(handle).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask<int> TryStartAsync(string handle, CancellationToken cancellationToken)
    {
        var attempt = await WorkerAsync(handle, () => _db.ScriptEvaluateAsync(
            JobScripts.Start,
            [_keys.Job(handle), _keys.Updates(handle)],
            [_liveTtlMs, _keys.ChangesName, handle])).ConfigureAwait(false);
        return (int)attempt;
    }

    public async ValueTask AppendUpdatesAsync(string handle, int attempt, string? progressJson, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken)
    {
        var values = new RedisValue[6 + sideUpdates.Count];
        values[0] = attempt;
        values[1] = progressJson is null ? "0" : "1";
        values[2] = progressJson ?? string.Empty;
        values[3] = _liveTtlMs;
        values[4] = _keys.ChangesName;
        values[5] = handle;
        for (var i = 0; i < sideUpdates.Count; i++)
        {
            values[6 + i] = SideUpdateCodec.EncodeUnversioned(sideUpdates[i].Key, sideUpdates[i].Value);
        }

        // Not retried: the writer logs a lost report and carries on, and the next report or the result supersedes it.
        await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(JobScripts.Append, [_keys.Job(handle), _keys.Updates(handle)], values)).ConfigureAwait(false);
    }

    public async ValueTask<bool> CompleteAsync(string handle, int attempt, JobOutcome outcome, CancellationToken cancellationToken)
    {
        var accepted = await WorkerAsync(handle, () => _db.ScriptEvaluateAsync(
            JobScripts.Complete,
            [_keys.Job(handle), _keys.Updates(handle)],
            [
                attempt,
                (int)outcome.Status,
                outcome.OutputsJson is null ? "0" : "1",
                outcome.OutputsJson ?? string.Empty,
                outcome.Error is null ? "0" : "1",
                outcome.Error ?? string.Empty,
                _endedTtlMs,
                _keys.ChangesName,
                handle,
            ])).ConfigureAwait(false);
        return (int)accepted == 1;
    }

    public async ValueTask RequeueAsync(string handle, int attempt, CancellationToken cancellationToken) =>
        await WorkerAsync(handle, () => _db.ScriptEvaluateAsync(
            JobScripts.Requeue,
            [_keys.Job(handle), _keys.Updates(handle)],
            [attempt, _liveTtlMs, _keys.ChangesName, handle])).ConfigureAwait(false);

    public async ValueTask<bool> RequestCancelAsync(string handle, string reason, CancellationToken cancellationToken)
    {
        var canceled = await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(
            JobScripts.Cancel,
            [_keys.Job(handle), _keys.Updates(handle)],
            [reason, _liveTtlMs, _endedTtlMs, _keys.ChangesName, handle])).ConfigureAwait(false);
        return (int)canceled == 1;
    }

    public async ValueTask<string?> ReplaceActiveAsync(string slot, string handle, CancellationToken cancellationToken)
    {
        var previous = await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(
            JobScripts.ReplaceActive,
            [_keys.Slot(slot)],
            [handle, _liveTtlMs])).ConfigureAwait(false);
        return previous.IsNull ? null : (string?)previous;
    }

    public async ValueTask<IAsyncDisposable> SubscribeCancelAsync(string handle, Action onCancel, CancellationToken cancellationToken)
    {
        // Registered before the check, so a cancel that lands in between is heard either way; the callback runs once.
        var registration = _notifier.RegisterCancel(handle, onCancel);
        try
        {
            if (await WorkerAsync(handle, () => _db.HashExistsAsync(_keys.Job(handle), "c")).ConfigureAwait(false))
            {
                registration.Fire();
            }
        }
        catch
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return registration;
    }

    public void Dispose()
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _cancelCheck.Dispose();
    }

    /// <summary>Looks for cancels of this process's running jobs whose message was lost, and fires them.</summary>
    internal async Task CheckCancelsAsync()
    {
        var handles = _notifier.CancelHandles();
        if (handles.Length == 0)
        {
            return;
        }

        try
        {
            var checks = handles.Select(h => _db.HashExistsAsync(_keys.Job(h), "c")).ToArray();
            await Task.WhenAll(checks).ConfigureAwait(false);
            for (var i = 0; i < handles.Length; i++)
            {
                if (checks[i].Result)
                {
                    _notifier.Signal(handles[i], canceled: true);
                }
            }
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            Log.CancelCheckFailed(_logger, e);
        }
    }

    private async ValueTask<JobSnapshot?> ReadAsync(string handle)
    {
        var result = await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(JobScripts.Read, [_keys.Job(handle), _keys.Updates(handle)])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var f = (RedisValue[])parts[0]!;
        var entries = (RedisValue[])parts[1]!;
        var updates = new SideUpdate[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            updates[i] = SideUpdateCodec.Decode(entries[i]!);
        }

        return new JobSnapshot(
            handle,
            Owner: f[0]!,
            CallbackId: f[1]!,
            Status: (JobStatus)(int)f[2],
            Version: (long)f[3],
            ProgressJson: f[4].IsNull ? null : (string?)f[4],
            ProgressVersion: f[5].IsNull ? 0 : (long)f[5],
            SideUpdates: updates,
            OutputsJson: f[6].IsNull ? null : (string?)f[6],
            Error: f[7].IsNull ? null : (string?)f[7],
            CancelReason: f[8].IsNull ? null : (string?)f[8],
            Attempt: (int)f[9]);
    }

    /// <summary>
    /// Runs a write of a worker. A worker cannot answer 503 to anyone: rather than lose a finished job's outcome to a
    /// short outage, it tries again until Redis is back or until the time after which the worker would have been
    /// taken for dead anyway. Each try is atomic and a retried completion is recognised, so retrying is safe.
    /// </summary>
    private async ValueTask<T> WorkerAsync<T>(string handle, Func<Task<T>> operation)
    {
        var deadline = _time.GetUtcNow() + _workerRetryWindow;
        var delay = FirstRetryDelay;
        var logged = false;
        while (true)
        {
            try
            {
                return await RedisFailures.GuardAsync(operation).ConfigureAwait(false);
            }
            catch (BackendUnavailableException) when (_time.GetUtcNow() + delay < deadline)
            {
                if (!logged)
                {
                    Log.WorkerWriteRetrying(_logger, handle, _workerRetryWindow);
                    logged = true;
                }

                await Task.Delay(delay, _time).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private void TrySubscribe()
    {
        try
        {
            _subscriber.Subscribe(_keys.Changes, (_, message) => _notifier.Dispatch(message));
            Interlocked.Exchange(ref _subscribed, 1);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // StackExchange.Redis restores a subscription it has made; one it could not make is made when Redis is back.
            Log.SubscribeFailed(_logger, e);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionFailed(_logger, e.Exception, e.EndPoint?.ToString() ?? "?", e.ConnectionType.ToString(), e.FailureType.ToString());

        // Messages are lost while disconnected: every long poll reads its job again now (and answers 503 while Redis is away).
        _notifier.WakeAll();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?", e.ConnectionType.ToString());
        ThreadPool.UnsafeQueueUserWorkItem(
            static store =>
            {
                if (Volatile.Read(ref store._subscribed) == 0)
                {
                    store.TrySubscribe();
                }

                store._notifier.WakeAll();
                _ = store.CheckCancelsAsync();
            },
            this,
            preferLocal: false);
    }
}
