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

    public IServiceProvider Services => _app.Services;

    public static Task<InProcessApp> StartAsync(string redis, Action<BackgroundCallbacksBuilder> callbacks, Action<RedisCallbacksOptions>? options = null) =>
        StartAsync(
            builder =>
            {
                builder.UseRedis(o =>
                {
                    o.ConnectionString = redis;
                    options?.Invoke(o);
                });
                callbacks(builder);
            });

    /// <param name="configure">Puts the callbacks on Redis (one of the <c>UseRedis</c> overloads) and declares them.</param>
    /// <param name="services">Registers the application's own services, such as its <c>IConnectionMultiplexer</c>.</param>
    /// <param name="callbackOptions">Sets the library's options, such as <c>RunWorkers</c>.</param>
    /// <param name="pipeline">Adds the application's own middleware and endpoints.</param>
    public static async Task<InProcessApp> StartAsync(
        Action<BackgroundCallbacksBuilder> configure,
        Action<IServiceCollection>? services = null,
        Action<BackgroundCallbacksOptions>? callbackOptions = null,
        Action<WebApplication>? pipeline = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        services?.Invoke(builder.Services);
        configure(builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            callbackOptions?.Invoke(o);
        }));
        var app = builder.Build();
        pipeline?.Invoke(app);
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
