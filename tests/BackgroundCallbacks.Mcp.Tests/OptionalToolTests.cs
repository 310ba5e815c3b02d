using BackgroundCallbacks.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>An input the page may lack (<c>Optional</c>) is an argument an agent may leave out.</summary>
public sealed class OptionalToolTests
{
    [Fact]
    public void An_optional_input_is_not_required_while_the_same_input_without_it_is()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        builder.MapBackgroundCallback("search", (string text, string filter) => text + filter).Output("results", "children")
            .Input("text", "value").State("filter", "value", optional: true);
        builder.AddMcp(o => o.ExposeAllCallbacks = true);
        using var provider = services.BuildServiceProvider();
        var tool = Assert.Single(provider.GetRequiredService<ToolCatalog>().Tools);

        var required = tool.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString());

        Assert.Equal(["text"], required);
        Assert.Contains("filter", tool.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }
}
