namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>Callbacks whose descriptions come from their XML doc summaries (see CatalogTests).</summary>
public static class DocumentedCallbacks
{
    /// <summary>Counts the words of a <paramref name="text"/>, as <see cref="string.Split(char[])"/> sees them.</summary>
    [BackgroundCallback("count-words")]
    [McpTool]
    [Output("words", "children")]
    [Input("text", "value")]
    public static int CountWords(string? text) => text?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;

    /// <summary>This summary is not the description: the attribute's is.</summary>
    [BackgroundCallback("described")]
    [McpTool(Description = "Echoes a text.")]
    [Output("echo", "children")]
    [Input("echo-text", "value")]
    public static string? Echo(string? text) => text;
}
