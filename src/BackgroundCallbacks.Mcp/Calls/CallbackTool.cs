using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Mcp.Diagnostics;
using BackgroundCallbacks.Mcp.Resources;
using BackgroundCallbacks.Mcp.Tools;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// The MCP door for one callback: maps a tool call and its owner onto <see cref="InvocationService"/>, follows the job
/// through <see cref="JobService"/> as a long poll would, pushing each progress report as <c>notifications/progress</c>,
/// and turns the outcome into a tool result. It adds no rule of its own: validation, the cache, shared jobs, limits
/// and owner checks are the services'.
/// </summary>
internal sealed class CallbackTool(
    ToolDescription tool,
    InvocationService invocations,
    JobService jobs,
    IHttpContextAccessor http,
    IOptions<BackgroundCallbacksOptions> options,
    IOptions<McpCallbacksOptions> mcpOptions,
    TimeProvider time,
    ServerSideLinks links,
    ILogger<CallbackTool> logger) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = tool.Name,
        Description = tool.Description,
        InputSchema = tool.InputSchema,
        OutputSchema = tool.OutputSchema,
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var callback = tool.Callback;
        var context = http.HttpContext;
        var user = request.User ?? context?.User;
        if (McpOwners.Of(user, request.Server.SessionId) is not { } owner)
        {
            // Stateless servers have no session to own an anonymous caller's jobs; AddMcp configures a stateful one.
            throw new McpProtocolException("An anonymous tool call needs an MCP session; this server has none.", McpErrorCode.InvalidRequest);
        }

        // The call's HTTP response carries its result, and this server keeps no event store to resume it from: a client
        // that drops it (the SDK's client does so when its token fires) leaves, as one that sends notifications/cancelled.
        using var left = context is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.RequestAborted);
        cancellationToken = left?.Token ?? cancellationToken;

        InvocationRequest invocation;
        try
        {
            invocation = ToolArguments.Read(tool, request.Params?.Arguments, options.Value, time);
            if (callback.RequestValues.Count > 0)
            {
                invocation = invocation with { RequestValues = context is null ? new string[]?[callback.RequestValues.Count] : Http.RequestValueReader.Read(context, callback, pageUrl: null) };
            }
        }
        catch (ToolArgumentException e)
        {
            Log.CallRejected(logger, tool.Name, e.Message);
            return ToolResults.Error(e.Message, "invalid-arguments");
        }

        var caller = new Caller(owner, Page: null, Claims(user), user?.Identity?.IsAuthenticated == true ? user.Identity.AuthenticationType : null)
        {
            Address = context?.Connection.RemoteIpAddress?.ToString(),
        };

        InvocationResult result;
        try
        {
            var cacheBy = await CacheByAsync(context, owner, invocations.CacheByOf(callback), cancellationToken).ConfigureAwait(false);
            var services = request.Services ?? context?.RequestServices ?? throw new InvalidOperationException("A tool call has no services.");
            result = await invocations.InvokeAsync(callback, invocation, caller, cacheBy, services, response: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Refusal(e) is { } refusal)
        {
            Log.CallRejected(logger, tool.Name, "refused by the invocation service");
            return refusal;
        }

        if (result.Inline is { } outcome)
        {
            return outcome.Status == JobStatus.Succeeded
                ? await ToolResults.OutputsAsync(tool, outcome.OutputsJson!, "inline", links, owner, cancellationToken).ConfigureAwait(false)
                : ToolResults.Error(outcome.Error ?? "The callback did not produce a result.", "failed");
        }

        if (result.CachedOutputs is { } cached)
        {
            return await ToolResults.OutputsAsync(tool, cached, "cache", links, owner, cancellationToken).ConfigureAwait(false);
        }

        return await FollowAsync(request, result.Handle!, owner, result.Joined, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows the job to its end, sending every progress report newer than the last read, in order, before the next
    /// read, so the last one has reached the client before the result (the store's log holds the last
    /// <see cref="IJobStore.ProgressLogLength"/> reports: a follower further behind misses the oldest of them). A client's cancel (or its leaving) detaches this follower, as a
    /// DELETE does; the job stops when no follower is left.
    /// </summary>
    private async ValueTask<CallToolResult> FollowAsync(RequestContext<CallToolRequestParams> request, string handle, Owner owner, bool joined, CancellationToken cancellationToken)
    {
        var progressToken = request.Params?.ProgressToken;
        var deadline = time.GetUtcNow() + mcpOptions.Value.CallTimeout;
        long after = 0;
        long progressSent = 0;
        JobView? last = null;
        try
        {
            while (true)
            {
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero && last is not null)
                {
                    // The call's follower stays attached: the handle is what the agent follows from now on.
                    Log.CallTimedOut(logger, tool.Name);
                    return HandleTools.Pending(handle, last,
                        $"The job did not end within {mcpOptions.Value.CallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s and goes on; its handle is {handle}.");
                }

                var view = await jobs.FollowAsync(handle, owner, after, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken,
                    withProgressLog: progressToken is not null).ConfigureAwait(false);
                if (view is null)
                {
                    return ToolResults.Error("The job is not found.", "not-found");
                }

                last = view;

                if (progressToken is { } token)
                {
                    foreach (var report in view.ProgressReports)
                    {
                        if (report.Sequence <= progressSent)
                        {
                            continue;
                        }

                        // The sequence grows with every report, across restarts of the job too: the counter MCP asks
                        // to increase. Each report is awaited, so notifications keep their order and precede the result.
                        await request.Server.NotifyProgressAsync(token, new ProgressNotificationValue
                        {
                            Progress = report.Sequence,
                            Message = ProgressMessage(report.Json),
                        }, cancellationToken: cancellationToken).ConfigureAwait(false);
                        progressSent = report.Sequence;
                    }
                }

                after = Math.Max(after, view.Version);
                if (await ToolResults.EndedAsync(view, tool, joined ? "joined" : "job", links, owner, cancellationToken).ConfigureAwait(false) is { } ended)
                {
                    return ended;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.CallCancelled(logger, tool.Name);
            await jobs.CancelAsync(handle, owner, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The handler's progress values as text: the value alone for one, <c>property: value</c> pairs for more.</summary>
    internal static string ProgressMessage(string progressJson)
    {
        using var document = JsonDocument.Parse(progressJson);
        var entries = document.RootElement.EnumerateArray().ToList();
        if (entries.Count == 1 && entries[0].TryGetProperty("value", out var single))
        {
            return ToolArguments.Describe(single);
        }

        return string.Join(", ", entries.Select(e =>
            (e.TryGetProperty("property", out var p) ? p.GetString() : "value") + ": " + (e.TryGetProperty("value", out var v) ? ToolArguments.Describe(v) : string.Empty)));
    }

    /// <summary>A refusal of the services as a tool error the agent can act on; null for anything else.</summary>
    private CallToolResult? Refusal(Exception exception)
    {
        switch (exception)
        {
            case LimitExceededException e:
                return ToolResults.Error(e.Message + $" Try again in {Math.Max(1, (int)Math.Ceiling(e.RetryAfter.TotalSeconds))} s.", e.Reason);
            case ReferenceRejectedException e:
                return ToolResults.Error(e.Message, e.State == ReferenceState.Expired ? "expired" : "not-found");
            case IdempotencyConflictException e:
                return ToolResults.Error(e.Message, "idempotency-conflict");
            case BackendUnavailableException or TimeoutException:
                Log.BackendUnavailable(logger, tool.Name, exception);
                return ToolResults.Error("The job store cannot be reached right now; try again shortly.", "backend-unavailable");
            default:
                return null;
        }
    }

    /// <summary>
    /// The cache-by values for this call. The built-in user and session providers name the MCP owner (a cookie session
    /// means nothing to an agent); the app's own providers read the HTTP request that carried the call.
    /// </summary>
    private static async ValueTask<KeyValuePair<string, string?>[]?> CacheByAsync(HttpContext? context, Owner owner, IReadOnlyList<string>? providers, CancellationToken cancellationToken)
    {
        if (providers is null)
        {
            return null;
        }

        var values = new KeyValuePair<string, string?>[providers.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new(providers[i], providers[i] switch
            {
                BuiltInCacheBy.User => owner.UserId is null ? "session:" + owner.Id : "user:" + owner.UserId,
                BuiltInCacheBy.Session => owner.Id,
                _ when context is not null => await context.RequestServices.GetRequiredKeyedService<ICacheByProvider>(providers[i]).GetValueAsync(context, cancellationToken).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"The cache-by provider '{providers[i]}' needs the HTTP request of the tool call."),
            });
        }

        return values;
    }

    private KeyValuePair<string, string>[] Claims(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        return user.Claims
            .Where(c => options.Value.JobClaimTypes.Contains(c.Type))
            .Select(c => new KeyValuePair<string, string>(c.Type, c.Value))
            .ToArray();
    }
}
