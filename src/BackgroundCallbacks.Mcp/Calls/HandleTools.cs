using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// What the built-in handle tools share: their names, their arguments' schema, and the answer for a job that goes on.
/// The handle is the core's follower handle (the one the HTTP door answers with 202): unguessable and owner-checked by
/// <see cref="JobService"/>, so this package invents no id of its own.
/// </summary>
internal static class HandleTools
{
    /// <summary>Reserved: a callback whose id is one of these gets the digest form of its name (see ToolNames).</summary>
    public const string ResultTool = "job_result";

    public const string CancelTool = "job_cancel";

    public const string HandleArgument = "handle";

    public const string WaitArgument = "wait_seconds";

    public static JsonElement InputSchema(bool wait) => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["type"] = "object",
        ["properties"] = wait
            ? new JsonObject
            {
                [HandleArgument] = new JsonObject { ["type"] = "string" },
                [WaitArgument] = new JsonObject { ["type"] = "number", ["minimum"] = 0 },
            }
            : new JsonObject { [HandleArgument] = new JsonObject { ["type"] = "string" } },
        ["required"] = new JsonArray(HandleArgument),
    });

    public static string? Handle(IDictionary<string, JsonElement>? arguments) =>
        arguments is not null && arguments.TryGetValue(HandleArgument, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A job that has not ended: its handle, status and last progress, and which tool to call next.</summary>
    public static CallToolResult Pending(string handle, JobView view, string text) => new()
    {
        Content = [new TextContentBlock { Text = text + $" Call {ResultTool} with this handle for its result, or {CancelTool} to cancel it." }],
        StructuredContent = JsonSerializer.SerializeToElement(new JsonObject
        {
            [HandleArgument] = handle,
            ["status"] = Status(view.Status),
            ["progress"] = view.ProgressJson is { } progress ? CallbackTool.ProgressMessage(progress) : null,
        }),
        Meta = new JsonObject { [ToolResults.MetaKey] = new JsonObject { ["status"] = Status(view.Status) } },
    };

    public static CallToolResult NotFound() => ToolResults.Error("No job has this handle.", "not-found");

    public static string Status(JobStatus status) => status.ToString().ToLowerInvariant();
}
