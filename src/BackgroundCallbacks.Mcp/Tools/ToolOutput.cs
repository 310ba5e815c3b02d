using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>One output of a callback as a property of the tool's structured result.</summary>
/// <param name="Name">The property's name: <c>component.property</c>, a pattern id named by its fixed keys' values.</param>
/// <param name="Output">The declared output.</param>
internal sealed record ToolOutput(string Name, DependencySpec Output);
