using BackgroundCallbacks.Mcp.Calls;
using BackgroundCallbacks.Mcp.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Mcp.Hosting;

/// <summary>
/// Serves server-side values through <c>resources/read</c>, as the caller's owner; every other URI goes to the read
/// handler the app set, if any, so the app's own resources keep working beside ours.
/// </summary>
internal sealed class McpResourcesSetup(ServerSideResources resources, IHttpContextAccessor http) : IPostConfigureOptions<McpServerOptions>
{
    public void PostConfigure(string? name, McpServerOptions options)
    {
        var next = options.Handlers.ReadResourceHandler;
        options.Handlers.ReadResourceHandler = async (request, cancellationToken) =>
        {
            var uri = request.Params?.Uri;
            if (next is not null && !ServerSideResources.IsServerSide(uri))
            {
                return await next(request, cancellationToken).ConfigureAwait(false);
            }

            var owner = McpOwners.Of(request.User ?? http.HttpContext?.User, request.Server.SessionId);
            return await resources.ReadAsync(uri, owner?.Id, request.Server.NegotiatedProtocolVersion, cancellationToken).ConfigureAwait(false);
        };
    }
}
