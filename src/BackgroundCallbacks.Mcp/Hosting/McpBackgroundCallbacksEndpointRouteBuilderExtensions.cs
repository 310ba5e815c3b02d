using BackgroundCallbacks.Mcp.Tools;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the MCP endpoint of background callbacks.</summary>
public static class McpBackgroundCallbacksEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Streamable HTTP endpoint of the MCP server that <c>AddMcp</c> added, at <paramref name="pattern"/>.
    /// Which callbacks are tools is worked out here, so a callback opted in that cannot be a tool stops the app now.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The route, for example <c>/mcp</c>.</param>
    /// <returns>A builder for the endpoint's conventions: <c>RequireAuthorization</c>, <c>RequireRateLimiting</c>, <c>RequireCors</c>.</returns>
    public static IEndpointConventionBuilder MapBackgroundCallbacksMcp(this IEndpointRouteBuilder endpoints, string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ToolCatalog>() is null)
        {
            throw new InvalidOperationException("MapBackgroundCallbacksMcp needs builder.Services.AddBackgroundCallbacks().AddMcp() first.");
        }

        return endpoints.MapMcp(pattern);
    }
}
