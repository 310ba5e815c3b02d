namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>How one callback argument is filled from a tool call.</summary>
internal enum ToolParameterKind
{
    /// <summary>A click counter or timestamp (<c>n_clicks</c>, <c>n_submit_timestamp</c>…): the call itself is the click.</summary>
    Trigger,

    /// <summary>An ordinary input or state: one tool argument of the parameter's type.</summary>
    Value,

    /// <summary>An ALL pattern: one tool argument, an array of <c>{id, value}</c>, the id holding the wildcard keys.</summary>
    All,
}
