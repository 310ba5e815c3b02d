namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>Arguments for the sample's report tool; a fresh title per test keeps each test's cache keys its own.</summary>
public static class Reports
{
    public static Dictionary<string, object?> Arguments(string title, string format = "Detailed") => new()
    {
        ["title"] = title,
        ["format"] = format,
        ["period"] = new Dictionary<string, object?> { ["from"] = "2026-01-01", ["to"] = "2026-01-31" },
    };

    public static string NewTitle(string what) => what + " " + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Where the answer came from, as the server says in the result's _meta: job, joined, cache or inline.</summary>
    public static string? Source(ModelContextProtocol.Protocol.CallToolResult result) =>
        result.Meta?["backgroundcallbacks"]?["source"]?.GetValue<string>();

    public static string Text(ModelContextProtocol.Protocol.CallToolResult result) =>
        string.Concat(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text));
}
