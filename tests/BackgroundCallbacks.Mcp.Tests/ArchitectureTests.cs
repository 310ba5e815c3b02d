using BackgroundCallbacks.Mcp;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>The MCP package's folders depend one way (docs/architecture.md), read from the compiled IL.</summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Folders = new(StringComparer.Ordinal)
    {
        ["Diagnostics"] = [],
        ["Tools"] = [],
        ["Resources"] = [],
        ["Calls"] = ["Tools", "Resources"],
        ["Hosting"] = ["*"],
    };

    [Fact]
    public void The_mcp_folders_depend_one_way()
    {
        var offending = FolderRules.Violations(typeof(McpCallbacksOptions).Assembly, "src/BackgroundCallbacks.Mcp", Folders, "BackgroundCallbacks.Mcp");
        Assert.True(offending.Count == 0, "Dependencies against docs/architecture.md:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Only_the_calls_resources_and_hosting_folders_name_an_MCP_SDK_type()
    {
        // Which callbacks are tools and what their schemas say is ours alone; only the door, the resource links and reads, and the wiring speak MCP.
        var folders = new SourceFolders("src/BackgroundCallbacks.Mcp", "BackgroundCallbacks.Mcp");
        var offending = TypeReferences.Of(typeof(McpCallbacksOptions).Assembly)
            .Where(t => folders.Of(t.Key) is { } folder && folder is not ("Calls" or "Resources" or "Hosting"))
            .SelectMany(t => t.Value.Where(u => u.StartsWith("ModelContextProtocol.", StringComparison.Ordinal)).Select(u => $"{t.Key} uses {u}"))
            .ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
    }
}
