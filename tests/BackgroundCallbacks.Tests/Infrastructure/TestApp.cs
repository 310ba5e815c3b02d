using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Tests.Infrastructure;

/// <summary>
/// A real app on Kestrel, bound to 127.0.0.1 on a free port, with the callbacks a test registers. Each test gets its
/// own, so tests do not share jobs or caches.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri address, CollectingLoggerProvider logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
    }

    /// <summary>What the app logged at Information and above.</summary>
    public CollectingLoggerProvider Logs { get; }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The Hangfire storage of the library's own queue, to look at the jobs it holds.</summary>
    internal Hangfire.JobStorage HangfireStorage() =>
        ((BackgroundCallbacks.Queueing.HangfireJobQueue)Services.GetRequiredService<BackgroundCallbacks.Jobs.CallbackManagers>().Get("default").Backend.Queue).Storage;

    public static async Task<TestApp> StartAsync(
        Action<BackgroundCallbacksBuilder> callbacks,
        Action<BackgroundCallbacksOptions>? options = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? pipeline = null,
        string environment = "Development",
        Action<IEndpointConventionBuilder>? endpoints = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new CollectingLoggerProvider();
        builder.Logging.AddProvider(logs);
        services?.Invoke(builder.Services);
        var callbackBuilder = builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            options?.Invoke(o);
        });
        callbacks(callbackBuilder);
        var app = builder.Build();
        pipeline?.Invoke(app);
        var conventions = app.MapBackgroundCallbacks();
        endpoints?.Invoke(conventions);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address), logs);
    }

    /// <summary>A client with its own cookie jar: one browser, one anonymous session.</summary>
    public CallbackClient NewClient() => new(new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromSeconds(60),
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
