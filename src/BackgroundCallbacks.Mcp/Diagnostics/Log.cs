using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Mcp.Diagnostics;

/// <summary>The MCP door's log messages. Arguments and results are never logged: they may hold personal data.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "McpToolLeftOut", Level = LogLevel.Information,
        Message = "Callback {CallbackId} is not an MCP tool: {Reason}")]
    public static partial void ToolLeftOut(ILogger logger, string callbackId, string reason);

    [LoggerMessage(EventId = 2, EventName = "McpToolCallRejected", Level = LogLevel.Debug,
        Message = "A call of MCP tool {ToolName} was refused: {Reason}")]
    public static partial void CallRejected(ILogger logger, string toolName, string reason);

    [LoggerMessage(EventId = 3, EventName = "McpToolCallTimedOut", Level = LogLevel.Information,
        Message = "A call of MCP tool {ToolName} stopped waiting for its job; the job goes on")]
    public static partial void CallTimedOut(ILogger logger, string toolName);

    [LoggerMessage(EventId = 4, EventName = "McpToolCallCancelled", Level = LogLevel.Debug,
        Message = "A call of MCP tool {ToolName} was cancelled by its client; its follower left the job")]
    public static partial void CallCancelled(ILogger logger, string toolName);

    [LoggerMessage(EventId = 5, EventName = "McpBackendUnavailable", Level = LogLevel.Warning,
        Message = "A call of MCP tool {ToolName} failed: the backend cannot be reached")]
    public static partial void BackendUnavailable(ILogger logger, string toolName, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "McpResourceReadRefused", Level = LogLevel.Debug,
        Message = "A resources/read of a server-side value was refused: {Reason}")]
    public static partial void ResourceReadRefused(ILogger logger, string reason);
}
