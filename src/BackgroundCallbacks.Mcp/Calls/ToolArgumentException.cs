namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>A tool call's arguments do not fit the tool's schema; the message names the argument.</summary>
internal sealed class ToolArgumentException(string message) : Exception(message);
