using BackgroundCallbacks.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>A declared trigger says "run now", which a tool call says by being made: it is never a tool argument.</summary>
public sealed class TriggerToolTests
{
    [Fact]
    public void A_trigger_is_not_in_the_tools_schema_whatever_its_property()
    {
        var tool = Tool();

        var properties = tool.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name);

        Assert.Equal(["text"], properties);
        Assert.Equal(ToolParameterKind.Trigger, Assert.Single(tool.Parameters, p => p.Name == "go.value").Kind);
    }

    private static ToolDescription Tool()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        builder.MapBackgroundCallback("search", (string? text) => text).Output("results", "children").Trigger("go", "value").Input("text", "value");
        builder.AddMcp(o => o.ExposeAllCallbacks = true);
        using var provider = services.BuildServiceProvider();
        return Assert.Single(provider.GetRequiredService<ToolCatalog>().Tools);
    }
}
