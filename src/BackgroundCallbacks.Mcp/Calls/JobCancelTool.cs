using BackgroundCallbacks.Jobs;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// The built-in tool that cancels a handle a call returned, as DELETE does: the handle's follower detaches, and the job
/// is cancelled (its handler's token fires) when no other follower, a browser or another agent, still wants it.
/// </summary>
internal sealed class JobCancelTool(JobService jobs, IHttpContextAccessor http) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = HandleTools.CancelTool,
        Description = "Cancels a job that a tool call returned as a handle; the job stops unless someone else still follows it.",
        InputSchema = HandleTools.InputSchema(wait: false),
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var owner = McpOwners.Of(request.User ?? http.HttpContext?.User, request.Server.SessionId);
        if (HandleTools.Handle(request.Params?.Arguments) is not { } handle)
        {
            return ToolResults.Error($"Argument '{HandleTools.HandleArgument}' is required: the handle a tool call returned.", "invalid-arguments");
        }

        if (owner is null || await jobs.CancelAsync(handle, owner, cancellationToken).ConfigureAwait(false) is null)
        {
            return HandleTools.NotFound();
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = "Cancelled: this handle no longer follows the job." }],
            StructuredContent = System.Text.Json.JsonSerializer.SerializeToElement(new System.Text.Json.Nodes.JsonObject
            {
                [HandleTools.HandleArgument] = handle,
                ["status"] = HandleTools.Status(JobStatus.Canceled),
            }),
        };
    }
}
