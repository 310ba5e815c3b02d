using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Runs one job on a worker: loads its record, calls the handler in a DI scope with its inputs, a progress reporter,
/// a cancellation token and a context, and writes the outcome. Knows nothing of HTTP, nor of the queue's library.
/// </summary>
internal sealed class JobRunner(
    CallbackRegistry registry,
    CallbackManagers managers,
    ServerSideValues serverSide,
    HandlerErrors errors,
    JobLines lines,
    IServiceScopeFactory scopes,
    IOptions<BackgroundCallbacksOptions> options,
    CallbackMetrics metrics,
    TimeProvider time,
    ILogger<JobRunner> logger) : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly BackgroundCallbacksOptions _options = options.Value;

    /// <summary>
    /// Stops the handlers of this process: their jobs are put back in the queue for another worker rather than ended.
    /// Call it after the workers stopped taking jobs.
    /// </summary>
    public void SignalShutdown() => _shutdown.Cancel();

    public void Dispose() => _shutdown.Dispose();

    /// <summary>Runs the job named by <paramref name="jobReference"/>; <paramref name="runId"/> names the queue entry that asked.</summary>
    public async Task RunAsync(string jobReference, string runId)
    {
        if (!JobHandles.TryParseReference(jobReference, out var jobId, out var managerName) || managers.Find(managerName) is not { } manager)
        {
            Log.JobMissing(logger, jobReference);
            return;
        }

        try
        {
            await RunAsync(manager, jobReference, jobId, runId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only the job store's or the queue's failures get here (a handler's never do); the queue tries again.
            Log.RunFailed(logger, e, jobId);
            throw;
        }
    }

    private async Task RunAsync(CallbackManager manager, string jobReference, string jobId, string runId)
    {
        var store = manager.Backend.Jobs;
        if (_shutdown.IsCancellationRequested)
        {
            // Taken from the queue while this worker stops: give it back untouched.
            await manager.Backend.Queue.EnqueueAsync(jobReference, manager.Queue, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // Subscribed before the start, so a cancel after the start is heard and one before it is in the start's answer:
        // the worker reads the record, starts and learns of a cancel in one round trip (plus the subscription's, unless
        // this process listens to the job already).
        string? callbackId = null;
        using var run = new RunCancellation(time, _options.IgnoredCancelWarning, () => Log.CancelIgnored(logger, jobId, callbackId ?? "?", _options.IgnoredCancelWarning), _shutdown.Token);
        var subscription = await store.SubscribeCancelAsync(jobId, run.Cancel, CancellationToken.None).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            var start = await store.TryStartAsync(jobId, runId, CancellationToken.None).ConfigureAwait(false);
            if (start.Record is not { } record)
            {
                Log.JobMissing(logger, jobId);
                return;
            }

            if (start.Attempt == IJobStore.DuplicateRun)
            {
                Log.DuplicateRun(logger, jobId);
                return;
            }

            callbackId = record.CallbackId;
            var known = registry.TryGet(record.CallbackId, out var callback);
            if (start.Attempt == 0)
            {
                // Ended before it ran (cancelled while it waited): the running place it was given goes to the next in line.
                if (known && callback!.Line.IsLimited)
                {
                    await lines.LeaveAsync(manager, callback.Line, jobId, CancellationToken.None).ConfigureAwait(false);
                }

                return;
            }

            var attempt = start.Attempt;
            if (!known)
            {
                if (await store.CompleteAsync(jobId, attempt, JobOutcome.Failed($"The callback '{record.CallbackId}' does not exist in this worker."), CancellationToken.None).ConfigureAwait(false) == CompletionResult.Accepted)
                {
                    metrics.JobEnded(record.CallbackId, JobStatus.Failed.ToWire());
                }

                return;
            }

            Log.JobStarted(logger, jobId, callback!.Id, attempt);
            using var activity = CallbackActivities.StartJobRun(callback.Id, record.TraceParent, record.TraceState, attempt);
            if (attempt == 1 && record.AdmittedAt is { } admitted)
            {
                // By two clocks when another process admitted the job: good to the clock skew between them.
                metrics.Waited(callback.Id, time.GetUtcNow() - admitted);
            }

            try
            {
                await RunStartedAsync(manager, callback, record, jobReference, jobId, attempt, activity, run).ConfigureAwait(false);
            }
            catch (Exception e) when (Fail(activity, e))
            {
                throw;
            }
        }
    }

    private static bool Fail(Activity? activity, Exception exception)
    {
        CallbackActivities.Failed(activity, exception);
        return false;
    }

    private async Task RunStartedAsync(CallbackManager manager, CallbackDefinition callback, JobRecord record, string jobReference, string jobId, int attempt, Activity? activity, RunCancellation run)
    {
        var store = manager.Backend.Jobs;
        var started = time.GetTimestamp();
        using var alive = callback.Line.IsLimited
            ? time.CreateTimer(_ => _ = RenewPlaceAsync(manager, callback.Line, jobId), null, TimeSpan.Zero, LineKeeper.RenewInterval)
            : null;
        if (callback.Timeout is { } limit)
        {
            run.LimitTo(limit, () => _ = TimeOutAsync(store, jobId, callback.Id, limit, run));
        }

        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var json = _options.SerializerOptions;
            var matches = record.MatchJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(record.MatchJson);
            var writer = new JobUpdateWriter(store, jobId, attempt, ComponentPatterns.Resolve(callback.ProgressOutputs, matches), json, logger, () => metrics.Updated(callback.Id, TelemetryNames.ProgressUpdate), () => metrics.Updated(callback.Id, TelemetryNames.SideUpdate));
            var context = new CallbackContext(callback.Id, jobId, record.Triggered, Principal(record), scope.ServiceProvider, writer, run.Token) { CacheKey = record.Key };
            var outputs = ComponentPatterns.Resolve(callback.Outputs, matches);
            var outcome = await RunHandlerAsync(callback, record, outputs, context, writer, scope.ServiceProvider, attempt, run).ConfigureAwait(false);
            run.HandlerReturned();
            await writer.DrainAsync().ConfigureAwait(false);

            if (outcome is null)
            {
                // This worker stops: the job goes back to the queue, and another worker runs it from the start.
                Log.JobInterrupted(logger, jobId);
                if (await store.RequeueAsync(jobId, attempt, CancellationToken.None).ConfigureAwait(false))
                {
                    await manager.Backend.Queue.EnqueueAsync(jobReference, manager.Queue, CancellationToken.None).ConfigureAwait(false);
                }

                return;
            }

            var ran = time.GetElapsedTime(started);
            if (outcome.Status == JobStatus.Failed && attempt <= callback.Retries && !run.IsCanceled)
            {
                Ended(activity, callback.Id, JobStatus.Failed, ran);
                if (await store.RequeueAsync(jobId, attempt, CancellationToken.None).ConfigureAwait(false))
                {
                    await manager.Backend.Queue.ScheduleAsync(jobReference, manager.Queue, RetryDelay(attempt), CancellationToken.None).ConfigureAwait(false);
                }

                return;
            }

            if (callback.Line.IsLimited && outcome.Status == JobStatus.Succeeded && !run.IsCanceled)
            {
                // Before the job is seen to end, so a client that sees it has the estimate it makes.
                await JobLines.RecordRunTimeAsync(manager, callback, ran, CancellationToken.None).ConfigureAwait(false);
            }

            var final = await FinishAsync(manager, callback, record, attempt, outcome, run.IsCanceled).ConfigureAwait(false);
            Ended(activity, callback.Id, final ?? outcome.Status, ran);
            if (final is { } status)
            {
                metrics.JobEnded(callback.Id, status.ToWire());
            }

            if (callback.Line.IsLimited)
            {
                // The place is given back only now that the handler has returned, even if the job ended earlier.
                await lines.LeaveAsync(manager, callback.Line, jobId, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task RenewPlaceAsync(CallbackManager manager, CallbackLine line, string jobId)
    {
        try
        {
            await JobLines.RenewAsync(manager, line, jobId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The next renewal tries again; the keeper only acts after several were missed.
            Log.LineKeepingFailed(logger, e);
        }
    }

    /// <summary>Runs the handler and turns what happened into an outcome; null when the run was interrupted by shutdown.</summary>
    private async Task<JobOutcome?> RunHandlerAsync(
        CallbackDefinition callback,
        JobRecord record,
        IReadOnlyList<DependencySpec> outputs,
        CallbackContext context,
        JobUpdateWriter writer,
        IServiceProvider services,
        int attempt,
        RunCancellation run)
    {
        var json = _options.SerializerOptions;
        var opened = new List<Stream>();
        try
        {
            using var document = JsonDocument.Parse(record.ArgsJson);
            var values = document.RootElement.EnumerateArray().ToArray();
            var ids = ArgumentIds.Read(record.IdsJson);
            context.Invocation = ContextComponents.Build(callback, outputs, values, ids, record.MatchJson);
            var arguments = await HandlerValues.BindAsync(serverSide, callback, values, ids, json, opened, run.Token).ConfigureAwait(false);
            var progressCount = callback.ProgressOutputs.Count;
            var returned = await callback.Handler.InvokeAsync(
                services,
                arguments,
                RequestValueBinder.Bind(callback.RequestValues, record.RequestValuesJson),
                type => Activator.CreateInstance(typeof(ProgressReporter<>).MakeGenericType(type), progressCount, writer)!,
                context,
                run.Token).ConfigureAwait(false);
            return JobOutcome.Succeeded(await HandlerValues.OutputsAsync(serverSide, outputs, returned, ValueOwner(callback, record), json, run.Token).ConfigureAwait(false));
        }
        catch (Exception) when (run.IsInterrupted)
        {
            return null;
        }
        catch (OperationCanceledException) when (run.IsCanceled)
        {
            return new JobOutcome(JobStatus.Canceled, null, null);
        }
        catch (PreventUpdateException)
        {
            return new JobOutcome(JobStatus.Succeeded, "[]", Error: null) { Cacheable = false };
        }
        catch (ServerSideValueException e)
        {
            // An input's stored value is gone or unreadable: running again cannot bring it back.
            Log.JobFailed(logger, e, record.JobId, callback.Id);
            return JobOutcome.Failed(e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (attempt <= callback.Retries && !run.IsCanceled)
            {
                Log.JobRetrying(logger, e, record.JobId, callback.Id, attempt, RetryDelay(attempt));
                return JobOutcome.Failed(e.Message);
            }

            Log.JobFailed(logger, e, record.JobId, callback.Id);
            return await errors.OutcomeAsync(callback, outputs, context, e, ValueOwner(callback, record), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await HandlerValues.DisposeAllAsync(opened).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the run's span and the run-time instrument how a run ended.</summary>
    private void Ended(Activity? activity, string callbackId, JobStatus status, TimeSpan ran)
    {
        var wire = status.ToWire();
        metrics.Ran(callbackId, wire, ran);
        activity?.SetTag(TelemetryNames.JobStatus, wire);
        if (status == JobStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>Writes the outcome; returns the job's final status, or null when a newer run owns the job.</summary>
    private async Task<JobStatus?> FinishAsync(CallbackManager manager, CallbackDefinition callback, JobRecord record, int attempt, JobOutcome outcome, bool canceled)
    {
        if (canceled && outcome.Status != JobStatus.Failed)
        {
            outcome = new JobOutcome(JobStatus.Canceled, null, null);
        }

        // The result goes into the cache before the job is seen to succeed, so a client that invokes again as soon
        // as it has the result gets a hit. Should the job be cancelled in between, the entry is taken out again.
        var cacheable = outcome.Status == JobStatus.Succeeded && record.Key is not null && outcome.Cacheable;
        bool cached;
        CompletionResult result;
        if (cacheable && manager.Backend.WritesInOrder)
        {
            // Both writes go out back to back on one connection to one server, which runs them in the order sent: the
            // entry is still written first, and the completion costs one round trip instead of two.
            var caching = TryCacheAsync(manager, callback, record.Key!, outcome.OutputsJson!);
            var completing = manager.Backend.Jobs.CompleteAsync(record.JobId, attempt, outcome, CancellationToken.None);
            cached = await caching.ConfigureAwait(false);
            result = await completing.ConfigureAwait(false);
        }
        else
        {
            cached = cacheable && await TryCacheAsync(manager, callback, record.Key!, outcome.OutputsJson!).ConfigureAwait(false);
            result = await manager.Backend.Jobs.CompleteAsync(record.JobId, attempt, outcome, CancellationToken.None).ConfigureAwait(false);
        }

        switch (result)
        {
            case CompletionResult.Accepted when outcome.Status == JobStatus.Succeeded:
                Log.JobSucceeded(logger, record.JobId, callback.Id);
                return JobStatus.Succeeded;
            case CompletionResult.Accepted:
                return outcome.Status;
            case CompletionResult.AlreadyEnded:
                if (cached)
                {
                    await manager.Backend.Results.RemoveAsync(record.Key!, CancellationToken.None).ConfigureAwait(false);
                }

                // Only a cancel ends a running job from outside its run (its followers left, a time limit, abandonment).
                Log.JobCanceled(logger, record.JobId, callback.Id);
                return JobStatus.Canceled;
            default:
                // A newer run of the job owns it now (this worker was taken for dead): its result, cached or not, stands.
                Log.StaleRunDiscarded(logger, record.JobId, callback.Id, attempt);
                return null;
        }
    }

    private async Task<bool> TryCacheAsync(CallbackManager manager, CallbackDefinition callback, string key, string outputsJson)
    {
        try
        {
            var expire = callback.Expire ?? manager.Settings.Expire;
            await manager.Backend.Results.SetAsync(key, outputsJson, expire, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.CacheWriteFailed(logger, e);
            return false;
        }
    }

    /// <summary>1, 2, 4 … seconds, at most a minute.</summary>
    private static TimeSpan RetryDelay(int attempt) => TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(attempt - 1, 6)));

    /// <summary>Server-side outputs are readable by whoever may read the result: the owner, or everyone when results are shared.</summary>
    private static string? ValueOwner(CallbackDefinition callback, JobRecord record) => callback.SharedResults ? null : record.Owner;

    private static ClaimsPrincipal Principal(JobRecord record) =>
        new(new ClaimsIdentity(record.Claims.Select(c => new Claim(c.Key, c.Value)), record.AuthenticationType));

    /// <summary>
    /// Ends a run that passed its time limit for every follower at once. The store's cancel fires the handler's token,
    /// as a cancel by the followers does; the handler keeps its worker until it returns, and its result is dropped.
    /// </summary>
    private async Task TimeOutAsync(IJobStore store, string jobId, string callbackId, TimeSpan limit, RunCancellation run)
    {
        try
        {
            if (await store.CancelJobAsync(jobId, CancelReasons.Timeout, CancellationToken.None).ConfigureAwait(false))
            {
                Log.JobTimedOut(logger, jobId, callbackId, limit);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store could not be told: the handler is stopped all the same, and its outcome is written as cancelled.
            Log.TimeoutNotRecorded(logger, e, jobId, callbackId);
            run.Cancel();
        }
    }
}
