using System.Globalization;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Protocol;

/// <summary>
/// The HTTP side of the protocol: parses requests, checks owners and limits, and answers in the shapes of
/// docs/protocol.md. It knows nothing of Hangfire; invocations go through <see cref="InvocationService"/>.
/// </summary>
internal sealed class CallbackEndpoints(
    CallbackRegistry registry,
    CallbackManagers managers,
    InvocationService invocations,
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
        var body = _dependencies ??= DependenciesDocument.Build(registry, Prefix);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    public Task InvokeAsync(HttpContext context) => GuardAsync(context, InvokeCoreAsync);

    private async Task InvokeCoreAsync(HttpContext context)
    {
        var callbackId = context.Request.RouteValues["callbackId"] as string;
        if (callbackId is null || !registry.TryGet(callbackId, out var callback))
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Callback not found", "There is no callback with this id.").ConfigureAwait(false);
            return;
        }

        try
        {
            var (request, document) = await InvocationRequestReader.ReadAsync(context, callback, _options.MaxRequestBodySize, _options.SerializerOptions).ConfigureAwait(false);
            using (document)
            {
                var result = await invocations.InvokeAsync(context, callback, request, context.RequestAborted).ConfigureAwait(false);
                if (result.CachedOutputsJson is { } outputs)
                {
                    await JobResponseWriter.WriteCachedAsync(context, callback, outputs).ConfigureAwait(false);
                }
                else
                {
                    await JobResponseWriter.WriteAcceptedAsync(context, callback, result.Handle!, JobLocation(context, result.Handle!), request.Matches).ConfigureAwait(false);
                }
            }
        }
        catch (ProtocolException e)
        {
            Log.InvocationRejected(logger, callback.Id, e.Message);
            await Problems.WriteAsync(context, e.Status, e.Title, e.Message).ConfigureAwait(false);
        }
    }

    public Task PollAsync(HttpContext context) => GuardAsync(context, PollCoreAsync);

    private async Task PollCoreAsync(HttpContext context)
    {
        var owner = owners.Resolve(context);
        var (manager, handle) = FindManager(context);
        if (manager is null)
        {
            await Problems.NotFoundJobAsync(context).ConfigureAwait(false);
            return;
        }

        if (!TryReadLong(context, "after", out var after) || !TryReadLong(context, "wait", out var waitMs))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid poll", "'after' and 'wait' must be non-negative whole numbers.").ConfigureAwait(false);
            return;
        }

        var jobs = manager.Backend.Jobs;
        var job = await jobs.GetAsync(handle, context.RequestAborted).ConfigureAwait(false);
        if (job is null || !OwnerResolver.IsOwner(job.Owner, owner))
        {
            await Problems.NotFoundJobAsync(context).ConfigureAwait(false);
            return;
        }

        if (waitMs > 0 && job.Version <= after && !job.Status.IsTerminal())
        {
            var wait = TimeSpan.FromMilliseconds(Math.Min(waitMs, (long)_options.MaxLongPollWait.TotalMilliseconds));
            try
            {
                job = await jobs.WaitForChangeAsync(handle, after, wait, context.RequestAborted).ConfigureAwait(false) ?? job;
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        await JobResponseWriter.WriteJobAsync(context, StatusCodes.Status200OK, job, after, JobLocation(context, handle)).ConfigureAwait(false);
    }

    public Task CancelAsync(HttpContext context) => GuardAsync(context, CancelCoreAsync);

    private async Task CancelCoreAsync(HttpContext context)
    {
        var owner = owners.Resolve(context);
        var (manager, handle) = FindManager(context);
        var jobs = manager?.Backend.Jobs;
        var job = jobs is null ? null : await jobs.GetAsync(handle, context.RequestAborted).ConfigureAwait(false);
        if (job is null || !OwnerResolver.IsOwner(job.Owner, owner))
        {
            await Problems.NotFoundJobAsync(context).ConfigureAwait(false);
            return;
        }

        await jobs!.RequestCancelAsync(handle, CancelReasons.Requested, context.RequestAborted).ConfigureAwait(false);
        job = await jobs.GetAsync(handle, context.RequestAborted).ConfigureAwait(false) ?? job;
        await JobResponseWriter.WriteJobAsync(context, StatusCodes.Status202Accepted, job, 0, JobLocation(context, handle)).ConfigureAwait(false);
    }

    private async Task GuardAsync(HttpContext context, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (BackendUnavailableException e) when (!context.Response.HasStarted)
        {
            Log.BackendUnavailable(logger, e);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "1";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Backend unavailable", "The job store cannot be reached right now; try again shortly.").ConfigureAwait(false);
        }
    }

    private (CallbackManager? Manager, string Handle) FindManager(HttpContext context)
    {
        var handle = context.Request.RouteValues["handle"] as string ?? string.Empty;
        return (managers.ForHandle(handle), handle);
    }

    /// <summary>The job URL as the client sees it, behind any path base the app is mounted under.</summary>
    private string JobLocation(HttpContext context, string handle) => context.Request.PathBase + Prefix + "/jobs/" + handle;

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
