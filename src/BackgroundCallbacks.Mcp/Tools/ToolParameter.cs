using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>One callback argument (input or state, in the order the callback takes them) as a tool call fills it.</summary>
/// <param name="Argument">The callback's argument.</param>
/// <param name="Kind">How the call fills it.</param>
/// <param name="Name">The tool argument's name; for a trigger, the callback argument's.</param>
/// <param name="Required">Whether the tool call must name it (the handler's parameter is neither nullable nor optional).</param>
/// <param name="AllKeys">For an ALL pattern, the id keys its wildcard stands for; else empty.</param>
internal sealed record ToolParameter(ArgumentSpec Argument, ToolParameterKind Kind, string Name, bool Required, IReadOnlyList<string> AllKeys);
