using System.Text.Json;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>Everything about one callback's tool that does not change while the app runs: made once, at startup.</summary>
internal sealed record ToolDescription(
    CallbackDefinition Callback,
    string Name,
    string Description,
    IReadOnlyList<ToolParameter> Parameters,
    IReadOnlyList<string> MatchKeys,
    IReadOnlyList<ToolOutput> Outputs,
    JsonElement InputSchema,
    JsonElement OutputSchema);
