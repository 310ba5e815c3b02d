using System.Globalization;
using System.Text.Json;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Mcp.Resources;
using BackgroundCallbacks.Mcp.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// The built-in tool that reads a handle a call returned: the outputs once the job has ended, else its status and last
/// progress. It may wait for the end, never longer than <see cref="McpCallbacksOptions.CallTimeout"/>.
/// </summary>
internal sealed class JobResultTool(ToolCatalog catalog, JobService jobs, IHttpContextAccessor http, IOptions<McpCallbacksOptions> mcpOptions, TimeProvider time, ServerSideLinks links) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = HandleTools.ResultTool,
        Description = "Reads a job that a tool call returned as a handle: its result once it has ended, else its status and last progress. "
            + "wait_seconds waits for the end, up to the server's call time.",
        InputSchema = HandleTools.InputSchema(wait: true),
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var owner = McpOwners.Of(request.User ?? http.HttpContext?.User, request.Server.SessionId);
        var arguments = request.Params?.Arguments;
        if (owner is null || HandleTools.Handle(arguments) is not { } handle)
        {
            return owner is null ? HandleTools.NotFound() : ToolResults.Error($"Argument '{HandleTools.HandleArgument}' is required: the handle a tool call returned.", "invalid-arguments");
        }

        var wait = TimeSpan.Zero;
        if (arguments!.TryGetValue(HandleTools.WaitArgument, out var seconds) && seconds.ValueKind != JsonValueKind.Null)
        {
            if (seconds.ValueKind != JsonValueKind.Number || !seconds.TryGetDouble(out var s) || s < 0 || double.IsNaN(s))
            {
                return ToolResults.Error($"Argument '{HandleTools.WaitArgument}' must be a number of seconds, 0 or more.", "invalid-arguments");
            }

            wait = TimeSpan.FromSeconds(Math.Min(s, mcpOptions.Value.CallTimeout.TotalSeconds));
        }

        var deadline = time.GetUtcNow() + wait;
        long after = 0;
        while (true)
        {
            var remaining = deadline - time.GetUtcNow();
            var view = await jobs.FollowAsync(handle, owner, after, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                return HandleTools.NotFound();
            }

            var tool = catalog.TryGet(ToolNames.For(view.CallbackId), out var found) ? found : null;
            if (await ToolResults.EndedAsync(view, tool, "job", links, owner, cancellationToken).ConfigureAwait(false) is { } ended)
            {
                return ended;
            }

            if (time.GetUtcNow() >= deadline)
            {
                return HandleTools.Pending(handle, view, $"The job is {HandleTools.Status(view.Status)}"
                    + (wait > TimeSpan.Zero ? $" after {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s." : "."));
            }

            after = Math.Max(after, view.Version);
        }
    }
}
