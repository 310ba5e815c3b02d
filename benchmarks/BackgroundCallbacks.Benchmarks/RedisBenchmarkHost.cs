using System.Text.Json;
using BackgroundCallbacks.Redis;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using KestrelServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// One Kestrel process on 127.0.0.1 holding every side of the Redis rows, all on the same redis-server: the library
/// (public API only: <c>AddBackgroundCallbacks().UseRedis(…)</c>, web and worker in this process), a minimal-API floor
/// endpoint doing one Redis GET, raw Hangfire on Hangfire.Redis.StackExchange configured as the library configures its
/// own storage, and a hand-written Hangfire app that keeps progress in a Redis hash for clients that poll.
/// </summary>
internal sealed class RedisBenchmarkHost : IAsyncDisposable
{
    public const string FloorKey = "bench:floor";

    private readonly BackgroundJobServer _rawServer;
    private readonly ConnectionMultiplexer _rawRedis;
    private readonly ConnectionMultiplexer _appRedis;

    private RedisBenchmarkHost(WebApplication app, Uri address, ConnectionMultiplexer appRedis, ConnectionMultiplexer rawRedis, BackgroundJobServer rawServer, BackgroundJobClient rawClient, int workerCount)
    {
        App = app;
        Address = address;
        _appRedis = appRedis;
        _rawRedis = rawRedis;
        _rawServer = rawServer;
        RawClient = rawClient;
        WorkerCount = workerCount;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    /// <summary>Raw Hangfire's client, on its own storage in the same Redis.</summary>
    public BackgroundJobClient RawClient { get; }

    public int WorkerCount { get; }

    /// <summary>The benchmark's own connection (the floor endpoint, the hand-written app, INFO and markers).</summary>
    public IDatabase Database => _appRedis.GetDatabase();

    public IServer Server => _appRedis.GetServer(_appRedis.GetEndPoints()[0]);

    public static async Task<RedisBenchmarkHost> StartAsync(string connectionString, int valueBytes, int? workers)
    {
        var payload = new string('x', valueBytes);
        // Admin mode for INFO, which row d reads through this connection.
        var appRedis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        HandWrittenJob.Redis = appRedis.GetDatabase();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var callbacks = builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            if (workers is { } count)
            {
                o.WorkerCount = count;
            }
        }).UseRedis(connectionString);

        // Cached and shared, so every client's POST is a hit once the first has run.
        callbacks.MapBackgroundCallback("hit", (int? n) => payload).Output("hit-out", "children").Input("hit-in", "value")
            .Configure(a =>
            {
                a.CacheBy = [];
                a.SharedResults = true;
            });

        // Uncached: every POST is a job.
        callbacks.MapBackgroundCallback("tiny", (int? n) => $"{n}").Output("tiny-out", "children").Input("tiny-in", "value");
        callbacks.MapBackgroundCallback("steps", (IProgress<string> progress, int? n) =>
            {
                for (var step = 1; step <= 3; step++)
                {
                    progress.Report($"step {step}/3");
                }

                return $"{n}";
            })
            .Output("steps-out", "children").Input("steps-in", "value").Progress("steps-progress", "children");

        var app = builder.Build();
        app.MapBackgroundCallbacks();
        var options = app.Services.GetRequiredService<IOptions<BackgroundCallbacksOptions>>().Value;
        var redisDefaults = new RedisCallbacksOptions();

        // Raw Hangfire: the storage options the library gives its own storage, its own prefix, its own connection (as
        // the library's queue has), the same worker count and schedule polling (once a minute, as the library's).
        var rawRedis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var storage = new RedisStorage(rawRedis, new RedisStorageOptions
        {
            Prefix = "bench-hangfire:",
            Db = 0,
            InvisibilityTimeout = redisDefaults.InvisibilityTimeout,
            FetchTimeout = redisDefaults.FetchTimeout,
        })
        {
            JobExpirationTimeout = TimeSpan.FromHours(1),
        };
        var rawServer = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                WorkerCount = options.WorkerCount,
                SchedulePollingInterval = TimeSpan.FromMinutes(1),
                ServerTimeout = redisDefaults.DeadWorkerTimeout,
                ServerCheckInterval = redisDefaults.DeadWorkerCheckInterval,
            },
            storage);
        var rawClient = new BackgroundJobClient(storage);

        // The floor of a hit: read the request as the library does, one Redis GET of the same bytes, write them.
        var database = appRedis.GetDatabase();
        app.MapPost("/floor", async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            byte[]? value = await database.StringGetAsync(FloorKey);
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(value);
        });

        // The hand-written app: POST enqueues a Hangfire job on the same Redis, GET /hand/status/{id} reads its hash.
        app.MapPost("/hand/jobs", async (HttpContext context, int steps, int n) =>
        {
            var id = Guid.NewGuid().ToString("N");
            await database.HashSetAsync(HandWrittenJob.Key(id), "status", "queued");
            rawClient.Enqueue(() => HandWrittenJob.RunAsync(id, steps, n));
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await context.Response.WriteAsJsonAsync(new { id });
        });
        app.MapGet("/hand/status/{id}", async (HttpContext context, string id) =>
        {
            var fields = await database.HashGetAllAsync(HandWrittenJob.Key(id));
            if (fields.Length == 0)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await JsonSerializer.SerializeAsync(context.Response.Body, fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value));
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<KestrelServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RedisBenchmarkHost(app, new Uri(address), appRedis, rawRedis, rawServer, rawClient, options.WorkerCount);
    }

    public async ValueTask DisposeAsync()
    {
        _rawServer.SendStop();
        await App.StopAsync();
        await App.DisposeAsync();
        _rawServer.Dispose();
        await _rawRedis.DisposeAsync();
        await _appRedis.DisposeAsync();
    }
}
