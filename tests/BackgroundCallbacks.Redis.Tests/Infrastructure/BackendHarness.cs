using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Hosting;
using BackgroundCallbacks.Redis.Jobs;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// The Redis backend as the application's services build it, without a host: its stores, and a plain connection of
/// the test's own to look at what they wrote in Redis.
/// </summary>
public sealed class BackendHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BackendHarness(ServiceProvider services, ConnectionMultiplexer inspector, RedisCallbacksOptions options)
    {
        _services = services;
        Inspector = inspector;
        Options = options;
        Provider = (RedisBackendProvider)services.GetRequiredService<ICallbackBackendProvider>();
        Backend = Provider.GetBackend("default");
    }

    internal RedisBackendProvider Provider { get; }

    internal CallbackBackend Backend { get; }

    internal IJobStore Jobs => Backend.Jobs;

    internal RedisJobStore RedisJobs => (RedisJobStore)Backend.Jobs;

    internal IResultStore Results => Backend.Results;

    public RedisCallbacksOptions Options { get; }

    /// <summary>The services the backend was built from, for the library's own services over it.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The test's own connection, to read and write Redis behind the backend's back.</summary>
    public ConnectionMultiplexer Inspector { get; }

    public IDatabase Db => Inspector.GetDatabase();

    public static async Task<BackendHarness> CreateAsync(string connectionString, Action<RedisCallbacksOptions>? redis = null, Action<BackgroundCallbacksOptions>? callbacks = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            callbacks?.Invoke(o);
        }).UseRedis(o =>
        {
            o.ConnectionString = connectionString;
            redis?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisCallbacksOptions>>().Value;
        var inspector = await ConnectionMultiplexer.ConnectAsync(connectionString + ",abortConnect=false,connectTimeout=500");
        return new BackendHarness(provider, inspector, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Inspector.DisposeAsync();
    }
}
