using BackgroundCallbacks;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis;
using BackgroundCallbacks.Redis.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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

    /// <summary>Keeps results, job state and the Hangfire job queues in Redis, with options set in code.</summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="configure">Sets the options; <see cref="RedisCallbacksOptions.ConnectionString"/> is required.</param>
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
