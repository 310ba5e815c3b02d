using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Http;

/// <summary>
/// The HTTP door: maps requests onto <see cref="InvocationService"/> and <see cref="JobService"/> and their answers onto
/// the shapes of docs/protocol.md. It resolves what only HTTP knows (the owner, the page, the cache-by values) and
/// adds no rule of its own. It knows nothing of the queue or the stores.
/// </summary>
internal sealed class CallbackEndpoints(
    CallbackRegistry registry,
    InvocationService invocations,
    JobService jobs,
    OwnerResolver owners,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<CallbackEndpoints> logger,
    string prefix)
{
    private readonly BackgroundCallbacksOptions _options = options.Value;
    private byte[]? _dependencies;

    public string Prefix { get; } = prefix;

    public async Task DependenciesAsync(HttpContext context)
    {
        owners.Resolve(context);
        var body = _dependencies ??= DependenciesDocument.Build(registry, Prefix, _options.EventStreamHeartbeat);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await ResponseBodies.WriteAsync(context, body).ConfigureAwait(false);
    }

    /// <summary>
    /// A cache hit's every allocation counts: the invocation runs in one pooled state machine (the guard of
    /// <see cref="GuardAsync"/> written into it rather than wrapped around it), and a Task is made only when it waits.
    /// </summary>
    public Task InvokeAsync(HttpContext context)
    {
        var invoked = InvokeCoreAsync(context);
        return invoked.IsCompletedSuccessfully ? Task.CompletedTask : invoked.AsTask();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask InvokeCoreAsync(HttpContext context)
    {
        try
        {
            var callbackId = context.Request.RouteValues["callbackId"] as string;
            if (callbackId is null || !registry.TryGet(callbackId, out var callback))
            {
                await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Callback not found", "There is no callback with this id.").ConfigureAwait(false);
                return;
            }

            try
            {
                var idempotencyKey = IdempotencyKey(context);
                using (var body = await InvocationRequestReader.ReadAsync(context, callback, _options, idempotencyKey).ConfigureAwait(false))
                {
                    var request = body.Request;
                    var caller = Caller(context, body.Page);
                    var cacheBy = await CacheByAsync(context, invocations.CacheByOf(callback)).ConfigureAwait(false);

                    // Only an inline handler runs in the request's services: asking for them makes the request's DI scope.
                    var services = callback.Inline ? context.RequestServices : null;
                    var result = await invocations.InvokeAsync(callback, request, caller, cacheBy, services, context.Response, context.RequestAborted).ConfigureAwait(false);
                    if (result.Inline is { } outcome)
                    {
                        await JobResponseWriter.WriteInlineAsync(context, callback, outcome, result.SideUpdates).ConfigureAwait(false);
                    }
                    else if (result.CachedOutputs is { } outputs)
                    {
                        await JobResponseWriter.WriteCachedAsync(context, callback, outputs).ConfigureAwait(false);
                    }
                    else
                    {
                        await JobResponseWriter.WriteAcceptedAsync(context, callback, result, JobLocation(context, result.Handle!), request.Matches).ConfigureAwait(false);
                    }
                }
            }
            catch (ProtocolException e)
            {
                Log.InvocationRejected(logger, callback.Id, e.Message);
                await Problems.WriteAsync(context, e.Status, e.Title, e.Message).ConfigureAwait(false);
            }
            catch (LimitExceededException e)
            {
                Log.InvocationRejected(logger, callback.Id, e.Message);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(e.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var title = e.Status == StatusCodes.Status429TooManyRequests ? "Too many jobs" : "Queue full";
                await Problems.WriteAsync(context, e.Status, title, e.Message, new Dictionary<string, object?> { ["reason"] = e.Reason }).ConfigureAwait(false);
            }
            catch (IdempotencyConflictException e)
            {
                Log.InvocationRejected(logger, callback.Id, e.Message);
                if (!e.Reused)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                await Problems.WriteAsync(
                    context,
                    e.Reused ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status409Conflict,
                    e.Reused ? "Idempotency-Key reused" : "Invocation in progress",
                    e.Message,
                    new Dictionary<string, object?> { ["reason"] = e.Reused ? "idempotency-key-reused" : "idempotency-key-in-progress" }).ConfigureAwait(false);
            }
            catch (ReferenceRejectedException e)
            {
                Log.InvocationRejected(logger, callback.Id, e.Message);
                var (status, title, reason) = e.State switch
                {
                    ReferenceState.Expired => (StatusCodes.Status410Gone, "Server-side value expired", "expired"),
                    ReferenceState.Malformed => (StatusCodes.Status400BadRequest, "Invalid invocation", "malformed"),
                    _ => (StatusCodes.Status422UnprocessableEntity, "Server-side value not found", "not-found"),
                };
                await Problems.WriteAsync(context, status, title, e.Message, new Dictionary<string, object?> { ["component"] = e.Component, ["reason"] = reason }).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!context.Response.HasStarted && IsUnavailable(e, context))
        {
            await UnavailableAsync(context, logger, e).ConfigureAwait(false);
        }
    }

    public Task PollAsync(HttpContext context) => GuardAsync(context, logger, PollCoreAsync);

    private async Task PollCoreAsync(HttpContext context)
    {
        var owner = owners.Resolve(context);
        var handle = Handle(context);
        if (!TryReadLong(context, "after", out var after) || !TryReadLong(context, "wait", out var waitMs) || !TryReadPosition(context, out var knownPosition))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid poll", "'after' and 'wait' must be non-negative whole numbers, and 'position' one too, or -1.").ConfigureAwait(false);
            return;
        }


        var wait = TimeSpan.FromMilliseconds(Math.Min(waitMs, (long)_options.MaxLongPollWait.TotalMilliseconds));
        JobView? job;
        try
        {
            job = await jobs.FollowAsync(handle, owner, after, wait, context.RequestAborted, knownPosition).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (job is null)
        {
            await Problems.NotFoundJobAsync(context).ConfigureAwait(false);
            return;
        }

        await JobResponseWriter.WriteJobAsync(context, StatusCodes.Status200OK, handle, job).ConfigureAwait(false);
    }

    public Task CancelAsync(HttpContext context) => GuardAsync(context, logger, CancelCoreAsync);

    private async Task CancelCoreAsync(HttpContext context)
    {
        var handle = Handle(context);
        var job = await jobs.CancelAsync(handle, owners.Resolve(context), context.RequestAborted).ConfigureAwait(false);
        if (job is null)
        {
            await Problems.NotFoundJobAsync(context).ConfigureAwait(false);
            return;
        }

        await JobResponseWriter.WriteJobAsync(context, StatusCodes.Status202Accepted, handle, job).ConfigureAwait(false);
    }

    /// <summary>Runs a handler, answering 503 problem+json when the backend cannot be reached; shared by every endpoint.</summary>
    internal static async Task GuardAsync(HttpContext context, ILogger logger, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && IsUnavailable(e, context))
        {
            await UnavailableAsync(context, logger, e).ConfigureAwait(false);
        }
    }

    private static Task UnavailableAsync(HttpContext context, ILogger logger, Exception exception)
    {
        Log.BackendUnavailable(logger, exception);
        context.Response.Clear();
        context.Response.Headers.RetryAfter = "1";
        return Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Backend unavailable", "The job store cannot be reached right now; try again shortly.");
    }

    /// <summary>
    /// Whether a failure means the backend is unreachable, timed out or overloaded (503), rather than a bug. A store call
    /// cancelled while the client is still there timed out; one cancelled because the client left is nobody's answer.
    /// </summary>
    private static bool IsUnavailable(Exception exception, HttpContext context) => exception switch
    {
        BackendUnavailableException => true,
        OperationCanceledException => !context.RequestAborted.IsCancellationRequested,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>The request's <c>Idempotency-Key</c>, or null when it has none; one that is not 1 to 255 visible ASCII characters is a 400.</summary>
    private static string? IdempotencyKey(HttpContext context)
    {
        var values = context.Request.Headers["Idempotency-Key"];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1 || !IdempotentInvocations.IsValidKey(values[0]))
        {
            throw new ProtocolException(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", $"An Idempotency-Key is one header of 1 to {IdempotentInvocations.MaxKeyLength} visible ASCII characters.");
        }

        return values[0];
    }

    private static async ValueTask<KeyValuePair<string, string?>[]?> CacheByAsync(HttpContext context, IReadOnlyList<string>? providers)
    {
        if (providers is null)
        {
            return null;
        }

        if (providers.Count == 0)
        {
            // Cached, by nothing but the inputs: no array per request.
            return [];
        }

        var values = new KeyValuePair<string, string?>[providers.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var provider = context.RequestServices.GetRequiredKeyedService<ICacheByProvider>(providers[i]);
            values[i] = new(providers[i], await provider.GetValueAsync(context, context.RequestAborted).ConfigureAwait(false));
        }

        return values;
    }

    /// <summary>
    /// Who invokes. The user is read from the authentication feature: <see cref="HttpContext.User"/> makes an anonymous
    /// principal on every request that has none. The address is read only if the invocation asks for it.
    /// </summary>
    private Caller Caller(HttpContext context, string? page)
    {
        var user = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        return new Caller(owners.Resolve(context), page, Claims(user), AuthenticationType(user)) { Connection = context.Connection };
    }

    /// <summary>Only the claim types the app opted into travel with the job: the job store is no place for identity data.</summary>
    private KeyValuePair<string, string>[] Claims(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        return user.Claims
            .Where(c => _options.JobClaimTypes.Contains(c.Type))
            .Select(c => new KeyValuePair<string, string>(c.Type, c.Value))
            .ToArray();
    }

    private static string? AuthenticationType(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true ? user.Identity.AuthenticationType : null;

    private static string Handle(HttpContext context) => context.Request.RouteValues["handle"] as string ?? string.Empty;

    /// <summary>The job URL as the client sees it, behind any path base the app is mounted under.</summary>
    private string JobLocation(HttpContext context, string handle) => context.Request.PathBase + Prefix + "/jobs/" + handle;

    /// <summary>
    /// The position in line the client knows: absent means it follows no positions (only a move while the poll waits is
    /// news), -1 that it knows of none (any position is news at once), else the one it has.
    /// </summary>
    private static bool TryReadPosition(HttpContext context, out long? position)
    {
        position = null;
        var raw = context.Request.Query["position"];
        if (raw.Count == 0)
        {
            return true;
        }

        if (raw.Count != 1 || !long.TryParse(raw[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < -1)
        {
            return false;
        }

        position = value;
        return true;
    }

    private static bool TryReadLong(HttpContext context, string name, out long value)
    {
        value = 0;
        var raw = context.Request.Query[name];
        if (raw.Count == 0)
        {
            return true;
        }

        return raw.Count == 1 && long.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
