using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Hosting;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Queueing;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Settings come from code or configuration and are checked when the host starts, with messages that say what to fix.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task A_missing_connection_string_stops_the_host_at_startup_with_a_clear_message()
    {
        var failure = await StartFailsAsync(b => b.UseRedis((string?)null));

        Assert.Contains("The Redis connection string is missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_setting_is_named_at_startup()
    {
        var failure = await StartFailsAsync(b => b.UseRedis(o =>
        {
            o.ConnectionString = "127.0.0.1:6379,notAKeyword=1";
            o.ResultsConnectionString = ",";
            o.KeyPrefix = "";
            o.HangfirePrefix = "";
            o.OperationTimeout = TimeSpan.Zero;
            o.DeadWorkerTimeout = TimeSpan.FromSeconds(1);
            o.DeadWorkerCheckInterval = TimeSpan.FromSeconds(2);
            o.FetchTimeout = TimeSpan.Zero;
            o.InvisibilityTimeout = TimeSpan.FromSeconds(1);
        }));

        Assert.Contains("ConnectionString is not a valid Redis configuration string", failure.Message, StringComparison.Ordinal);
        Assert.Contains("notAKeyword", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ResultsConnectionString names no Redis server", failure.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPrefix must not be empty", failure.Message, StringComparison.Ordinal);
        Assert.Contains("HangfirePrefix must not be empty", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OperationTimeout must be positive", failure.Message, StringComparison.Ordinal);
        Assert.Contains("DeadWorkerTimeout must be at least 5 seconds", failure.Message, StringComparison.Ordinal);
        Assert.Contains("DeadWorkerCheckInterval must be positive and at most DeadWorkerTimeout", failure.Message, StringComparison.Ordinal);
        Assert.Contains("FetchTimeout must be positive", failure.Message, StringComparison.Ordinal);
        Assert.Contains("InvisibilityTimeout must be longer than DeadWorkerTimeout", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurationOptions_without_a_server_are_named_at_startup()
    {
        var failure = await StartFailsAsync(b => b.UseRedis(o => o.ConfigurationOptions = new StackExchange.Redis.ConfigurationOptions()));

        Assert.Contains("ConfigurationOptions names no Redis server", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_ways_of_connecting_at_once_are_refused_at_startup_naming_both()
    {
        var failure = await StartFailsAsync(b => b
            .UseRedis("127.0.0.1:6379")
            .UseRedis(sp => sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>()));

        Assert.Contains("ConnectionString and ConnectionMultiplexerFactory are set, but only one may be", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prefixes_that_overlap_are_refused()
    {
        var failure = await StartFailsAsync(b => b.UseRedis(o =>
        {
            o.ConnectionString = "127.0.0.1:6379";
            o.KeyPrefix = "app:";
            o.HangfirePrefix = "app:hangfire:";
        }));

        Assert.Contains("must not be equal, nor one the start of the other", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_a_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BackgroundCallbacks:Redis:ConnectionString"] = "redis.internal:6380,ssl=true",
            ["BackgroundCallbacks:Redis:ResultsConnectionString"] = "cache.internal:6379",
            ["BackgroundCallbacks:Redis:KeyPrefix"] = "shop:",
            ["BackgroundCallbacks:Redis:HangfirePrefix"] = "shop-jobs:",
            ["BackgroundCallbacks:Redis:DeadWorkerTimeout"] = "00:00:45",
            ["BackgroundCallbacks:Redis:FetchTimeout"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddBackgroundCallbacks().UseRedis(configuration.GetSection("BackgroundCallbacks:Redis"));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<RedisCallbacksOptions>>().Value;

        Assert.Equal("redis.internal:6380,ssl=true", options.ConnectionString);
        Assert.Equal("cache.internal:6379", options.ResultsConnectionString);
        Assert.Equal("shop:", options.KeyPrefix);
        Assert.Equal("shop-jobs:", options.HangfirePrefix);
        Assert.Equal(TimeSpan.FromSeconds(45), options.DeadWorkerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FetchTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DeadWorkerCheckInterval);
    }

    [Fact]
    public void UseRedis_replaces_the_embedded_backend()
    {
        var services = new ServiceCollection();
        services.AddBackgroundCallbacks().UseRedis("127.0.0.1:6379");

        var registration = services.Single(d => d.ServiceType == typeof(ICallbackBackendProvider));

        Assert.Equal(typeof(RedisBackendProvider), registration.ImplementationType);
    }

    [Fact]
    public async Task The_backend_configures_Hangfire_storage_and_servers_for_fast_takeover_of_dead_workers()
    {
        await using var redis = await Infrastructure.RedisServer.StartAsync();
        await using var backend = await Infrastructure.BackendHarness.CreateAsync(redis.ConnectionString, o =>
        {
            o.HangfirePrefix = "jobs-of-app:";
            o.DeadWorkerTimeout = TimeSpan.FromSeconds(20);
            o.DeadWorkerCheckInterval = TimeSpan.FromSeconds(3);
        });
        var queue = await Assert.IsType<RedisJobQueue>(backend.Backend.Queue).QueueAsync();
        var server = ServerOptionsOf(queue);
        var storage = Assert.IsType<CallbackRedisStorage>(queue.Storage);
#pragma warning disable CS0618 // The Redis storage gives its watchers as IServerComponent.
        var components = storage.GetComponents().ToArray();
#pragma warning restore CS0618

        Assert.Equal(TimeSpan.FromSeconds(20), server.ServerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), server.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), server.ServerCheckInterval);
        Assert.Contains(components, c => c is BoundedPassComponent);
        Assert.Equal(TimeSpan.FromHours(1), storage.JobExpirationTimeout);
        Assert.IsAssignableFrom<RedisStorage>(storage);
    }

    /// <summary>The options the queue gives the Hangfire servers it starts, read from the tuning it was built with.</summary>
    private static BackgroundJobServerOptions ServerOptionsOf(BackgroundCallbacks.Queueing.HangfireJobQueue queue)
    {
        var server = new BackgroundJobServerOptions();
        queue.ConfigureServer?.Invoke(server);
        return server;
    }

    private static async Task<OptionsValidationException> StartFailsAsync(Action<BackgroundCallbacksBuilder> redis)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        redis(builder.Services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false));
        using var host = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }
}
