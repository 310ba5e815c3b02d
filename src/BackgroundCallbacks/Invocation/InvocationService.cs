using System.Buffers.Text;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// The command side of an invocation, for every door: builds the key, answers from the result cache when it can, and
/// otherwise admits the invocation as a follower of a job (joining an identical one in flight, or creating it), takes
/// the page's slot, and leaves queueing to the enqueuer. Nothing here blocks a thread.
/// </summary>
internal sealed class InvocationService(
    CallbackManagers managers,
    JobEnqueuer enqueuer,
    ServerSideValues serverSide,
    InlineRunner inline,
    JobLines lines,
    OwnerJobLimit ownerLimit,
    IOptions<BackgroundCallbacksOptions> options,
    IdempotentInvocations idempotency,
    CallbackMetrics metrics,
    TimeProvider time,
    ILogger<InvocationService> logger)
{
    /// <summary>The cache-by providers the door must evaluate for a callback; null when its results are not cached.</summary>
    public IReadOnlyList<string>? CacheByOf(CallbackDefinition callback) => managers.CacheByOf(callback);

    /// <param name="callback">The callback.</param>
    /// <param name="request">The validated values.</param>
    /// <param name="caller">Who invokes.</param>
    /// <param name="cacheBy">The values of <see cref="CacheByOf"/>'s providers, in order; null when the callback does not cache.</param>
    /// <param name="services">The caller's DI scope: an inline callback runs in it; null when the callback is not inline.</param>
    /// <param name="response">The HTTP door's response, which an inline handler may set cookies and headers on; null for other doors.</param>
    /// <param name="cancellationToken">Fires when the caller goes away.</param>
    /// <exception cref="ReferenceRejectedException">A server-side reference the caller sent cannot be used.</exception>
    /// <exception cref="IdempotencyConflictException">The request's idempotency key holds another invocation, or its first is still being answered.</exception>
    public ValueTask<InvocationResult> InvokeAsync(
        CallbackDefinition callback,
        InvocationRequest request,
        Caller caller,
        IReadOnlyList<KeyValuePair<string, string?>>? cacheBy,
        IServiceProvider? services,
        HttpResponse? response,
        CancellationToken cancellationToken)
    {
        metrics.Invoked(callback.Id);
        var activity = CallbackActivities.StartInvoke(callback.Id);

        // With no span to end and no idempotency key, there is nothing to do after the invocation: no state machine of
        // this method's own per call (a hit's every allocation counts).
        return activity is null && request.IdempotencyKey is null
            ? InvokeOnceAsync(callback, request, caller, cacheBy, services, response, cancellationToken)
            : new(InvokeTracedAsync(activity, callback, request, caller, cacheBy, services, response, cancellationToken));
    }

    private async Task<InvocationResult> InvokeTracedAsync(
        Activity? started,
        CallbackDefinition callback,
        InvocationRequest request,
        Caller caller,
        IReadOnlyList<KeyValuePair<string, string?>>? cacheBy,
        IServiceProvider? services,
        HttpResponse? response,
        CancellationToken cancellationToken)
    {
        using var activity = started;
        try
        {
            if (request.IdempotencyKey is null)
            {
                return await InvokeOnceAsync(callback, request, caller, cacheBy, services, response, cancellationToken).ConfigureAwait(false);
            }

            return await idempotency.InvokeAsync(callback, request, caller, token => InvokeOnceAsync(callback, request, caller, cacheBy, services, response, token).AsTask(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Fail(activity, e))
        {
            throw;
        }
    }

    /// <summary>Marks a span failed on the way out of an exception filter, so the exception keeps its stack.</summary>
    private static bool Fail(Activity? activity, Exception exception)
    {
        CallbackActivities.Failed(activity, exception);
        return false;
    }

    // Pooled: on a hit this is the one state machine between the door and the store that waits.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<InvocationResult> InvokeOnceAsync(
        CallbackDefinition callback,
        InvocationRequest request,
        Caller caller,
        IReadOnlyList<KeyValuePair<string, string?>>? cacheBy,
        IServiceProvider? services,
        HttpResponse? response,
        CancellationToken cancellationToken)
    {
        // Before the cache: a shared result must not be handed to a caller for a reference that is not theirs.
        if (callback.HasReferences)
        {
            await CheckReferencesAsync(callback, request, caller, cancellationToken).ConfigureAwait(false);
        }

        var manager = managers.Get(callback.Manager);
        var expire = callback.Expire ?? manager.Settings.Expire;
        string? key = null;
        if (cacheBy is not null)
        {
            using var lookup = CallbackActivities.StartCacheLookup(callback.Id);
            try
            {
                var found = await manager.Backend.Results.LookUpAsync(
                    callback.Id,
                    (callback, request, cacheBy, owner: callback.SharedResults ? null : caller.Owner.Id),
                    static (s, generation) => CacheKey.Build(s.callback, s.request, s.cacheBy, s.owner, generation),
                    expire,
                    cancellationToken).ConfigureAwait(false);
                key = found.Key;
                var cached = await CheckHitAsync(callback, manager, key, found.Outputs, cancellationToken).ConfigureAwait(false);
                metrics.CacheLookedUp(callback.Id, hit: cached is not null);
                lookup?.SetTag(TelemetryNames.CacheResult, cached is null ? TelemetryNames.CacheMiss : TelemetryNames.CacheHit);
                if (cached is not null)
                {
                    return InvocationResult.Hit(cached.Value);
                }
            }
            catch (Exception e) when (Fail(lookup, e))
            {
                throw;
            }
        }

        if (callback.Inline)
        {
            var (outcome, sideUpdates) = await inline.RunAsync(
                callback, request, caller, key, services ?? throw new ArgumentNullException(nameof(services), "An inline callback runs in the caller's services."), response, cancellationToken).ConfigureAwait(false);
            if (key is not null && outcome.Status == JobStatus.Succeeded && outcome.Cacheable)
            {
                await manager.Backend.Results.SetAsync(key, outcome.OutputsJson!, expire, cancellationToken).ConfigureAwait(false);
            }

            return new InvocationResult(null, null, Status: outcome.Status) { Inline = outcome, SideUpdates = sideUpdates };
        }

        var (traceParent, traceState) = CallbackActivities.CurrentContext();
        var record = new JobRecord(
            JobHandles.NewJobId(key),
            caller.Owner.Id,
            callback.Id,
            key,
            ArgumentsJson(request.Arguments),
            request.Triggered,
            caller.Claims,
            caller.AuthenticationType,
            request.Matches is null ? null : JsonSerializer.Serialize(request.Matches),
            ArgumentIds.Write(request.Ids),
            request.RequestValues is null ? null : JsonSerializer.Serialize(request.RequestValues),
            traceParent,
            traceState,
            time.GetUtcNow());
        using var activity = CallbackActivities.StartAdmission(callback.Id);
        try
        {
            return await AdmitAsync(callback, request, caller, manager, record, key, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Fail(activity, e))
        {
            throw;
        }
    }

    /// <summary>The cached outputs' UTF-8 JSON found under <paramref name="key"/> when they can be answered, or null for a miss.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> CheckHitAsync(CallbackDefinition callback, CallbackManager manager, string key, ReadOnlyMemory<byte>? found, CancellationToken cancellationToken)
    {
        if (found is not { } cached)
        {
            return null;
        }

        if (!callback.HasServerSideOutputs || await serverSide.AllPresentAsync(ReferencesIn(callback, cached), cancellationToken).ConfigureAwait(false))
        {
            Log.CacheHit(logger, callback.Id);
            return cached;
        }

        // A result whose stored value has gone would hand the client a dangling reference: it is a miss.
        Log.CachedReferenceGone(logger, callback.Id);
        await manager.Backend.Results.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<InvocationResult> AdmitAsync(
        CallbackDefinition callback,
        InvocationRequest request,
        Caller caller,
        CallbackManager manager,
        JobRecord record,
        string? key,
        Activity? activity,
        CancellationToken cancellationToken)
    {
        var jobs = manager.Backend.Jobs;
        var followerId = RandomIds.New();
        var admissionHandle = JobHandles.Format(followerId, record.JobId, manager.Name);
        var slot = caller.Page is null ? null : Slot(caller, callback, request);

        // The limits the app configured, checked after the cache: a hit is always answered.
        if (callback.Line.MaxQueued > 0)
        {
            await lines.CheckRoomAsync(manager, callback, cancellationToken).ConfigureAwait(false);
        }

        var partitions = Partitions(caller);
        if (partitions is not null)
        {
            await ownerLimit.CountAsync(manager, callback.Id, partitions, admissionHandle, options.Value.MaxLiveJobsPerOwner!.Value, cancellationToken).ConfigureAwait(false);
        }

        // Step one, atomic: join an identical job in flight or create this one. Only a cached callback joins: the key
        // says whose results may be shared, and an uncached handler may have effects that must happen once per call.
        AdmissionResult admitted;
        try
        {
            admitted = await jobs.AdmitAsync(new Admission(record, followerId, admissionHandle, slot, Joinable: key is not null), cancellationToken).ConfigureAwait(false);
        }
        catch when (partitions is not null)
        {
            await OwnerJobLimit.UncountAsync(manager, partitions, admissionHandle, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var handle = admitted.Joined ? JobHandles.Format(followerId, admitted.JobId, manager.Name) : admissionHandle;
        activity?.SetTag(TelemetryNames.AdmissionJoined, admitted.Joined);
        if (partitions is not null && admitted.Joined)
        {
            await OwnerJobLimit.ReplaceAsync(manager, partitions, admissionHandle, handle, cancellationToken).ConfigureAwait(false);
        }

        // Step two, safe to repeat: take the page's slot and detach the follower it held. Should this process die in
        // between, the sweeper detaches whichever follower the slot does not name.
        if (slot is not null && await jobs.ReplaceSlotAsync(slot, handle, cancellationToken).ConfigureAwait(false) is { } previous
            && previous != handle && JobHandles.TryParse(previous, out var previousFollower, out var previousJob, out _))
        {
            await jobs.DetachAsync(previousJob, previousFollower, CancelReasons.Superseded, cancellationToken).ConfigureAwait(false);
            Log.JobSuperseded(logger, callback.Id);
        }

        if (admitted.Joined)
        {
            Log.JobJoined(logger, callback.Id, admitted.JobId);
            metrics.Joined(callback.Id);
            enqueuer.Acknowledge(manager, admissionHandle);
        }
        else
        {
            Log.JobAdmitted(logger, admitted.JobId, callback.Id);
            enqueuer.Post(manager, admitted.JobId, admissionHandle, callback.Line);
        }

        return new InvocationResult(null, handle, admitted.Joined, admitted.Status);
    }

    /// <summary>
    /// What the per-owner job limit counts an invocation against: its owner, and for an anonymous caller its address as
    /// well, since a client can drop its session cookie. Null when the app set no limit.
    /// </summary>
    private string[]? Partitions(Caller caller)
    {
        if (options.Value.MaxLiveJobsPerOwner is null)
        {
            return null;
        }

        return caller.Owner.UserId is null && caller.Address is { } address
            ? ["o:" + caller.Owner.Id, "a:" + address]
            : ["o:" + caller.Owner.Id];
    }

    private async Task CheckReferencesAsync(CallbackDefinition callback, InvocationRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var targets = callback.ArgumentTargets;
        for (var i = 0; i < targets.Count; i++)
        {
            if (!targets[i].IsReference)
            {
                continue;
            }

            foreach (var (reference, _, description) in ArgumentBinder.References([targets[i]], [request.Arguments[i]]))
            {
                var state = await serverSide.CheckAsync(reference, caller.Owner.Id, cancellationToken).ConfigureAwait(false);
                if (state != ReferenceState.Readable)
                {
                    throw new ReferenceRejectedException(description, callback.Arguments[i].Dependency.Key, state);
                }
            }
        }
    }

    /// <summary>The references in a cached result's server-side outputs.</summary>
    private static List<string> ReferencesIn(CallbackDefinition callback, ReadOnlyMemory<byte> outputs)
    {
        using var document = JsonDocument.Parse(outputs);
        var found = new List<string>();
        var properties = callback.Outputs.Where(o => o.Store is not null).Select(o => o.Property).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            if (entry.TryGetProperty("property", out var property) && properties.Contains(property.GetString()!)
                && entry.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { } reference && reference.StartsWith(ServerSideReference.Prefix, StringComparison.Ordinal))
            {
                found.Add(reference);
            }
        }

        return found;
    }

    /// <summary>
    /// The slot a page's invocation takes: owner, page, callback and the concrete outputs, so a page's new invocation
    /// replaces its previous one as Dash's <c>oldJob</c> does, and rows of a pattern-matching callback keep their own.
    /// Stores keep its digest.
    /// </summary>
    private static string Slot(Caller caller, CallbackDefinition callback, InvocationRequest request)
    {
        var text = caller.Owner.Id + "\n" + caller.Page + "\n" + callback.Id + "\n"
            + string.Join("\n", ComponentPatterns.Resolve(callback.Outputs, request.Matches).Select(o => o.Key));
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string ArgumentsJson(IReadOnlyList<JsonElement> arguments)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var argument in arguments)
            {
                argument.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
