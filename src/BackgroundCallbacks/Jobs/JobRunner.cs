using System.Security.Claims;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Runs one job on a worker: loads its record, calls the handler in a DI scope with its inputs, a progress reporter,
/// a cancellation token and a context, and writes the outcome. Knows nothing of HTTP.
/// </summary>
internal sealed class JobRunner(
    CallbackRegistry registry,
    CallbackManagers managers,
    IServiceScopeFactory scopes,
    IOptions<BackgroundCallbacksOptions> options,
    IHostEnvironment environment,
    ILogger<JobRunner> logger) : IDisposable
{
    private const string GenericError = "The callback failed. The server log has the details.";

    private readonly CancellationTokenSource _shutdown = new();
    private readonly BackgroundCallbacksOptions _options = options.Value;
    private readonly bool _includeDetails = options.Value.IncludeExceptionDetails ?? environment.IsDevelopment();

    /// <summary>Stops the handlers of this process; their jobs are left for another run rather than cancelled.</summary>
    public void SignalShutdown() => _shutdown.Cancel();

    public void Dispose() => _shutdown.Dispose();

    public async Task RunAsync(string handle)
    {
        if (managers.ForHandle(handle) is not { } manager)
        {
            Log.JobMissing(logger, handle);
            return;
        }

        var store = manager.Backend.Jobs;
        var record = await store.GetRecordAsync(handle, CancellationToken.None).ConfigureAwait(false);
        if (record is null)
        {
            Log.JobMissing(logger, handle);
            return;
        }

        if (!registry.TryGet(record.CallbackId, out var callback))
        {
            await store.CompleteAsync(handle, 0, JobOutcome.Failed($"The callback '{record.CallbackId}' does not exist in this worker."), CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var attempt = await store.TryStartAsync(handle, CancellationToken.None).ConfigureAwait(false);
        if (attempt == 0)
        {
            return;
        }

        Log.JobStarted(logger, handle, callback.Id, attempt);
        using var canceled = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(canceled.Token, _shutdown.Token);
        var subscription = await store.SubscribeCancelAsync(handle, () => Cancel(canceled), CancellationToken.None).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var json = _options.SerializerOptions;
                var writer = new JobUpdateWriter(store, handle, attempt, json, logger);
                var context = new CallbackContext(callback.Id, handle, record.Triggered, Principal(record), scope.ServiceProvider, writer, linked.Token);
                JobOutcome? outcome;
                try
                {
                    outcome = await RunHandlerAsync(callback, record, context, writer, scope.ServiceProvider, attempt, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
                {
                    // Hangfire runs the job again, here after a restart or on another worker of a shared backend.
                    Log.JobInterrupted(logger, handle);
                    await writer.DrainAsync().ConfigureAwait(false);
                    await store.RequeueAsync(handle, attempt, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                await writer.DrainAsync().ConfigureAwait(false);

                if (outcome is null)
                {
                    return;
                }

                if (outcome.Status == JobStatus.Failed && attempt <= callback.Retries && !canceled.IsCancellationRequested)
                {
                    var delay = RetryDelay(attempt);
                    await store.RequeueAsync(handle, attempt, CancellationToken.None).ConfigureAwait(false);
                    manager.JobQueue.Schedule(handle, manager.Queue, delay);
                    return;
                }

                await FinishAsync(manager, callback, record, attempt, outcome, canceled.IsCancellationRequested).ConfigureAwait(false);
            }
        }
    }

    private async Task<JobOutcome?> RunHandlerAsync(
        CallbackDefinition callback,
        JobRecord record,
        CallbackContext context,
        JobUpdateWriter writer,
        IServiceProvider services,
        int attempt,
        CancellationToken cancellationToken)
    {
        var json = _options.SerializerOptions;
        var matches = record.MatchJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(record.MatchJson);
        var outputs = ComponentPatterns.Resolve(callback.Outputs, matches);
        try
        {
            using var document = JsonDocument.Parse(record.ArgsJson);
            var arguments = ArgumentBinder.Bind(callback, document.RootElement.EnumerateArray().ToArray(), json);
            var progressOutputs = ComponentPatterns.Resolve(callback.ProgressOutputs, matches);
            var returned = await callback.Handler.InvokeAsync(
                services,
                arguments,
                type => Activator.CreateInstance(typeof(ProgressReporter<>).MakeGenericType(type), progressOutputs, writer, json)!,
                context,
                cancellationToken).ConfigureAwait(false);
            return JobOutcome.Succeeded(Outputs(outputs, returned, json));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_shutdown.IsCancellationRequested)
        {
            return new JobOutcome(JobStatus.Canceled, null, null);
        }
        catch (PreventUpdateException)
        {
            return new JobOutcome(JobStatus.Succeeded, "[]", Error: null) { Cacheable = false };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (attempt <= callback.Retries && !cancellationToken.IsCancellationRequested)
            {
                Log.JobRetrying(logger, e, record.Handle, callback.Id, attempt, RetryDelay(attempt));
                return JobOutcome.Failed(e.Message);
            }

            Log.JobFailed(logger, e, record.Handle, callback.Id);
            return HandleError(callback, outputs, context, e, json);
        }
    }

    private JobOutcome HandleError(CallbackDefinition callback, IReadOnlyList<DependencySpec> outputs, CallbackContext context, Exception exception, JsonSerializerOptions json)
    {
        var onError = callback.OnError ?? _options.OnError;
        if (onError is not null)
        {
            try
            {
                return JobOutcome.Succeeded(Outputs(outputs, onError(exception, context), json)) with { Cacheable = false };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.OnErrorFailed(logger, e, callback.Id);
                exception = e;
            }
        }

        return JobOutcome.Failed(_includeDetails ? exception.Message : GenericError);
    }

    private async Task FinishAsync(CallbackManager manager, CallbackDefinition callback, JobRecord record, int attempt, JobOutcome outcome, bool canceled)
    {
        if (canceled && outcome.Status != JobStatus.Failed)
        {
            outcome = new JobOutcome(JobStatus.Canceled, null, null);
        }

        // The result goes into the cache before the job is seen to succeed, so a client that invokes again as soon
        // as it has the result gets a hit. Should a cancel win the race to complete, the entry is taken out again.
        var cached = outcome.Status == JobStatus.Succeeded && record.Key is not null && outcome.Cacheable
            && await TryCacheAsync(manager, callback, record.Key, outcome.OutputsJson!).ConfigureAwait(false);

        var accepted = await manager.Backend.Jobs.CompleteAsync(record.Handle, attempt, outcome, CancellationToken.None).ConfigureAwait(false);
        if (!accepted || outcome.Status == JobStatus.Canceled)
        {
            var snapshot = await manager.Backend.Jobs.GetAsync(record.Handle, CancellationToken.None).ConfigureAwait(false);

            // Take the entry out only when a cancel beat this run; a run that lost to a newer attempt of the same job
            // leaves the key alone, since the newer run may already have cached its result there.
            if (cached && snapshot?.Attempt == attempt)
            {
                await manager.Backend.Results.RemoveAsync(record.Key!, CancellationToken.None).ConfigureAwait(false);
            }

            Log.JobCanceled(logger, record.Handle, callback.Id, snapshot?.CancelReason ?? CancelReasons.Requested);
            return;
        }

        if (outcome.Status == JobStatus.Succeeded)
        {
            Log.JobSucceeded(logger, record.Handle, callback.Id);
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

    private static string Outputs(IReadOnlyList<DependencySpec> outputs, object? returned, JsonSerializerOptions json)
    {
        var values = DependencyValues.Split(returned, outputs.Count, "callback's output list");
        return values is null ? "[]" : DependencyValues.Write(outputs, values, json);
    }

    private static ClaimsPrincipal Principal(JobRecord record) =>
        new(new ClaimsIdentity(record.Claims.Select(c => new Claim(c.Key, c.Value)), record.AuthenticationType));

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended while the cancel was on its way.
        }
    }
}
