using BackgroundCallbacks;
using BackgroundCallbacks.Mcp;
using BackgroundCallbacks.Mcp.Hosting;
using BackgroundCallbacks.Mcp.Resources;
using BackgroundCallbacks.Mcp.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves background callbacks as Model Context Protocol tools, for AI agents.</summary>
public static class McpBackgroundCallbacksBuilderExtensions
{
    /// <summary>
    /// Adds an MCP server (the official SDK's, over Streamable HTTP) whose tools are the app's callbacks that opt in with
    /// <see cref="McpToolAttribute"/>, <see cref="McpCallbacksOptions.Callbacks"/> or
    /// <see cref="McpCallbacksOptions.ExposeAllCallbacks"/>. Map it with <c>app.MapBackgroundCallbacksMcp("/mcp")</c>.
    /// The server keeps a session per client (the SDK's stateful mode): an anonymous client's session owns its jobs, so
    /// behind a load balancer its requests must reach the same process (see docs/mcp.md).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder AddMcp(this BackgroundCallbacksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddMcpCore(builder);
    }

    /// <summary>Like <see cref="AddMcp(BackgroundCallbacksBuilder)"/>, choosing the callbacks and the call timeout.</summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="configure">Chooses the callbacks and the call timeout.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder AddMcp(this BackgroundCallbacksBuilder builder, Action<McpCallbacksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<McpCallbacksOptions>().Configure(configure);
        return AddMcpCore(builder);
    }

    /// <summary>Like <see cref="AddMcp(BackgroundCallbacksBuilder)"/>, with the options bound from configuration.</summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="configuration">The section holding <see cref="McpCallbacksOptions"/>' settings.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder AddMcp(this BackgroundCallbacksBuilder builder, IConfigurationSection configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<McpCallbacksOptions>().Bind(configuration);
        return AddMcpCore(builder);
    }

    private static BackgroundCallbacksBuilder AddMcpCore(BackgroundCallbacksBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(ToolCatalog)))
        {
            return builder;
        }

        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ToolCatalog>();
        services.AddOptions<McpCallbacksOptions>()
            .Validate(o => o.CallTimeout > TimeSpan.Zero, "McpCallbacksOptions.CallTimeout must be positive.")
            .Validate(o => o.MaxResourceSize > 0, "McpCallbacksOptions.MaxResourceSize must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<ServerSideLinks>();
        services.TryAddSingleton<ServerSideResources>();

        // Stateful: an anonymous agent's jobs belong to its MCP session, and notifications/cancelled reaches the call it
        // names only within a session. The session lives in the process that opened it.
        services.AddMcpServer().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful);
        services.AddTransient<IConfigureOptions<McpServerOptions>, McpToolsSetup>();

        // After every Configure, so a read handler the app sets itself is wrapped, not replaced by ours or replacing it.
        services.AddTransient<IPostConfigureOptions<McpServerOptions>, McpResourcesSetup>();
        return builder;
    }
}
