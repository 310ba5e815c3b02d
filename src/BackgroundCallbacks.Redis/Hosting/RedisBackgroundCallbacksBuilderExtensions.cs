using BackgroundCallbacks;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis;
using BackgroundCallbacks.Redis.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts background callbacks on Redis, so web and worker processes share jobs, their state and results.</summary>
public static class RedisBackgroundCallbacksBuilderExtensions
{
    /// <summary>
    /// Keeps results, job state and the Hangfire job queues in Redis instead of in this process. Call it the same way
    /// in every web and worker process of the application; set <see cref="BackgroundCallbacksOptions.RunWorkers"/> to
    /// false in web processes that leave the jobs to worker processes.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="connectionString">
    /// The StackExchange.Redis configuration string, for example <c>builder.Configuration.GetConnectionString("redis")</c>.
    /// A missing one stops the host at startup with a message saying so.
    /// </param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder UseRedis(this BackgroundCallbacksBuilder builder, string? connectionString) =>
        builder.UseRedis(options => options.ConnectionString = connectionString);

    /// <summary>
    /// Keeps results, job state and the Hangfire job queues in the Redis of a multiplexer the application already
    /// has, for example the one .NET Aspire's <c>builder.AddRedisClient("redis")</c> registers:
    /// <c>.UseRedis(sp =&gt; sp.GetRequiredService&lt;IConnectionMultiplexer&gt;())</c>. The function is called once,
    /// off the request path, when the backend first needs Redis; the backend opens no connection of its own to that
    /// Redis and never disposes the multiplexer. Other options can be set with <c>UseRedis(options =&gt; …)</c>
    /// (see <see cref="RedisCallbacksOptions.ConnectionMultiplexerFactory"/>).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="connectionMultiplexer">Gives the application's multiplexer, usually from the services.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder UseRedis(this BackgroundCallbacksBuilder builder, Func<IServiceProvider, IConnectionMultiplexer> connectionMultiplexer)
    {
        ArgumentNullException.ThrowIfNull(connectionMultiplexer);
        return builder.UseRedis(options => options.ConnectionMultiplexerFactory = services => Task.FromResult(connectionMultiplexer(services)));
    }

    /// <summary>Keeps results, job state and the Hangfire job queues in Redis, with options set in code.</summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="configure">
    /// Sets the options; one of <see cref="RedisCallbacksOptions.ConnectionString"/>,
    /// <see cref="RedisCallbacksOptions.ConfigurationOptions"/> and <see cref="RedisCallbacksOptions.ConnectionMultiplexerFactory"/> is required.
    /// </param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder UseRedis(this BackgroundCallbacksBuilder builder, Action<RedisCallbacksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddRedis(builder.Services).Configure(configure);
        return builder;
    }

    /// <summary>Keeps results, job state and the Hangfire job queues in Redis, with options bound from configuration.</summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="configuration">The section to bind, for example <c>BackgroundCallbacks:Redis</c>, holding at least <c>ConnectionString</c>.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder UseRedis(this BackgroundCallbacksBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddRedis(builder.Services).Bind(configuration);
        return builder;
    }

    private static OptionsBuilder<RedisCallbacksOptions> AddRedis(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCallbacksOptions>, RedisCallbacksOptionsValidator>());
        services.Replace(ServiceDescriptor.Singleton<ICallbackBackendProvider, RedisBackendProvider>());
        return services.AddOptions<RedisCallbacksOptions>().ValidateOnStart();
    }
}
