using System.Globalization;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The processes of the latency benchmark (--role=latency --part=…). The web process serves the library (no workers)
/// and, beside it, the baselines' bare endpoints; the worker process runs the library's workers and the baselines'
/// helper; the raw Hangfire process is what an app would write with Hangfire alone, for the idle row. Each prints one
/// line when it is ready, as the load test's roles do: "LISTENING &lt;address&gt;" or "READY".
/// </summary>
internal static class LatencyHosts
{
    public static async Task<int> RunWebAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        Prepare(builder.Services, builder.Logging, builder.Configuration);

        // The baselines' own connection, as an app's hand-written endpoint would have, not the library's.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(builder.Configuration["BackgroundCallbacks:Redis:ConnectionString"]!);
        var subscriber = redis.GetSubscriber();
        var progress = new BareProgressChannel();
        await subscriber.SubscribeAsync(RedisChannel.Literal(LatencyChannels.BareProgress), (_, message) => progress.Add(message!));

        await using var app = builder.Build();
        app.MapBackgroundCallbacks();

        // Row g's baseline: a long poll answered by one pub/sub message; the answer is "sequence\npayload".
        app.MapGet("/bare/progress", async (long after, int wait, CancellationToken cancellationToken) =>
        {
            var (sequence, payload) = await progress.WaitAsync(after, TimeSpan.FromMilliseconds(wait), cancellationToken);
            return Results.Text(string.Create(CultureInfo.InvariantCulture, $"{sequence}\n{payload}"));
        });

        // Row h's baseline: one PUBLISH, answered once Redis has taken it.
        app.MapPost("/bare/cancel", async (int n) =>
        {
            await subscriber.PublishAsync(RedisChannel.Literal(LatencyChannels.BareCancel), n);
            return Results.NoContent();
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        LineLogger.WriteLine("LISTENING " + address);
        await app.WaitForShutdownAsync();
        return 0;
    }

    public static async Task<int> RunWorkerAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        Prepare(builder.Services, builder.Logging, builder.Configuration);
        builder.Services.AddHostedService<BareWorkerHelper>();
        using var host = builder.Build();
        await host.StartAsync();
        LineLogger.WriteLine("READY");
        await host.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// Raw Hangfire as its documentation sets it up: AddHangfire with the Redis storage, AddHangfireServer, Hangfire's
    /// defaults except the worker count, which is the library's.
    /// </summary>
    public static async Task<int> RunRawHangfireAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(new HangfireLineLog.Provider());
        LineLogger.Use(builder.Logging);
        var connectionString = builder.Configuration["BackgroundCallbacks:Redis:ConnectionString"]!;
        var workers = builder.Configuration.GetValue("workers", new BackgroundCallbacksOptions().WorkerCount);
        builder.Services.AddHangfire(c => c.UseRedisStorage(connectionString));
        builder.Services.AddHangfireServer(o => o.WorkerCount = workers);
        AddParentWatch(builder.Services, builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        LineLogger.WriteLine("READY");
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static void Prepare(IServiceCollection services, ILoggingBuilder logging, IConfiguration configuration)
    {
        // Hangfire logs through its own static provider; these processes are ours alone, so setting it here is fine.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(new HangfireLineLog.Provider());
        LineLogger.Use(logging);
        LatencyCallbacks.Register(services, configuration);
        AddParentWatch(services, configuration);
    }

    private static void AddParentWatch(IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue<int?>(ParentWatch.Setting) is not null)
        {
            services.AddHostedService<ParentWatch>();
        }
    }
}
