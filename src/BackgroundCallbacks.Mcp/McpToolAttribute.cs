namespace BackgroundCallbacks.Mcp;

/// <summary>
/// Exposes a callback to AI agents as a Model Context Protocol tool, served by <c>MapBackgroundCallbacksMcp</c>. Put it
/// on the handler method beside <see cref="BackgroundCallbackAttribute"/>. Callbacks without it are tools only when
/// <see cref="McpCallbacksOptions.ExposeAllCallbacks"/> is set or their id is in <see cref="McpCallbacksOptions.Callbacks"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class McpToolAttribute : Attribute
{
    /// <summary>
    /// What the tool does, for the agent that chooses it: a sentence or two. When empty, the handler's XML doc summary
    /// describes the tool if the app builds its documentation file, else its callback id and outputs do.
    /// </summary>
    public string? Description { get; set; }
}
