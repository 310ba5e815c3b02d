using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// One Kestrel app on 127.0.0.1 with a bare endpoint (the baseline) beside the library's endpoints, so both are
/// measured on the same server, in the same run. With <c>mcpBareText</c>, the callback is also an MCP tool at <c>/mcp</c>
/// beside a bare tool <see cref="McpBareTool"/> (registered with the SDK directly) that answers that text.
/// </summary>
public static class BenchmarkServer
{
    public const string BareBody = """{"callbackId":"square","status":"succeeded","cached":true,"outputs":[{"id":"out","property":"children","value":"49"}]}""";

    public const string McpBareTool = "bare";

    public static async Task<(WebApplication App, Uri Address)> StartAsync(int port = 0, Func<string>? mcpBareText = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var callbacks = builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            o.CacheBy = [];
        });
        callbacks.MapBackgroundCallback("square", (int? n) => $"{n * n}").Output("out", "children").Input("in", "value");
        if (mcpBareText is not null)
        {
            callbacks.AddMcp(o => o.Callbacks.Add("square"));
            // Takes the same argument as the callback's tool, so both calls send the same request.
            builder.Services.AddMcpServer().WithTools([McpServerTool.Create((int? n) => mcpBareText(), new McpServerToolCreateOptions { Name = McpBareTool })]);
        }

        var app = builder.Build();
        app.MapPost("/bare", async context =>
        {
            // Reads the body as an invocation would, and answers the same bytes a cache hit answers.
            using var reader = new StreamReader(context.Request.Body);
            await reader.ReadToEndAsync();
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(BareBody);
        });
        app.MapGet("/bare", context =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            return context.Response.WriteAsync(BareBody);
        });
        app.MapBackgroundCallbacks();
        if (mcpBareText is not null)
        {
            app.MapBackgroundCallbacksMcp("/mcp");
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }
}
