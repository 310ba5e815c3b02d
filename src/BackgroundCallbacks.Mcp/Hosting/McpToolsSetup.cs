using BackgroundCallbacks.Mcp.Calls;
using BackgroundCallbacks.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Mcp.Hosting;

/// <summary>Adds one tool per exposed callback to the MCP server's tools, beside any the app registers itself.</summary>
internal sealed class McpToolsSetup(IServiceProvider services, ToolCatalog catalog) : IConfigureOptions<McpServerOptions>
{
    public void Configure(McpServerOptions options)
    {
        var tools = options.ToolCollection ?? [];
        foreach (var tool in catalog.Tools)
        {
            if (!tools.TryAdd(ActivatorUtilities.CreateInstance<CallbackTool>(services, tool)))
            {
                throw new InvalidOperationException($"The MCP server already has a tool named '{tool.Name}' (callback '{tool.Callback.Id}').");
            }
        }

        foreach (McpServerTool handleTool in new McpServerTool[] { ActivatorUtilities.CreateInstance<JobResultTool>(services), ActivatorUtilities.CreateInstance<JobCancelTool>(services) })
        {
            if (!tools.TryAdd(handleTool))
            {
                throw new InvalidOperationException($"The MCP server already has a tool named '{handleTool.ProtocolTool.Name}', a name the callbacks' handle tools need.");
            }
        }

        options.ToolCollection = tools;
    }
}
