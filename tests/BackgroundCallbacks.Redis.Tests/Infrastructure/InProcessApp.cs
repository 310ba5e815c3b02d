using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>A web app that also runs workers, on Redis, in the test's own process: the sample's one-process setup.</summary>
public sealed class InProcessApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessApp(WebApplication app, Uri address, LogCollector logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
    }

    public Uri Address { get; }

    public LogCollector Logs { get; }

    public static async Task<InProcessApp> StartAsync(string redis, Action<BackgroundCallbacksBuilder> callbacks, Action<RedisCallbacksOptions>? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        var callbackBuilder = builder.Services
            .AddBackgroundCallbacks(o => o.ScanEntryAssembly = false)
            .UseRedis(o =>
            {
                o.ConnectionString = redis;
                options?.Invoke(o);
            });
        callbacks(callbackBuilder);
        var app = builder.Build();
        app.MapBackgroundCallbacks();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessApp(app, new Uri(address), logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
