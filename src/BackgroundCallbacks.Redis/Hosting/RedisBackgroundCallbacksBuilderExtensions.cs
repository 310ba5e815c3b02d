using BackgroundCallbacks;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis;
using BackgroundCallbacks.Redis.Hosting;
using BackgroundCallbacks.Redis.ServerSide;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts background callbacks on Redis, so web and worker processes share jobs, their state and results.</summary>
public static class RedisBackgroundCallbacksBuilderExtensions
{
    /// <summary>
    /// Keeps results, job state, the Hangfire job queues and the default store of server-side values in Redis instead
    /// of in this process. Call it the same way
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
        AddRedis(builder).Configure(configure);
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
        AddRedis(builder).Bind(configuration);
        return builder;
    }

    /// <summary>
    /// Adds a store of server-side values in the backend's Redis under a name outputs can pick
    /// (<see cref="OutputAttribute.Store"/>), so a value written by one process is read by any other. <c>UseRedis</c>
    /// already makes the <c>default</c> store one with default options; naming a store <c>default</c> here replaces it.
    /// Needs <c>UseRedis</c>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddBackgroundCallbacks</c>.</param>
    /// <param name="name">The store's name: 1 to 32 lowercase letters, digits, '-' or '_'.</param>
    /// <param name="configure">Sets its key prefix, expiry and largest value.</param>
    /// <returns>The builder.</returns>
    public static BackgroundCallbacksBuilder AddRedisValueStore(this BackgroundCallbacksBuilder builder, string name, Action<RedisValueStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new RedisValueStoreOptions();
        configure?.Invoke(options);
        if (Problem(options) is { } problem)
        {
            throw new ArgumentException($"The Redis value store '{name}' {problem}", nameof(configure));
        }

        return builder.AddValueStore(name, sp => CreateValueStore(sp, name, options));
    }

    private static OptionsBuilder<RedisCallbacksOptions> AddRedis(BackgroundCallbacksBuilder builder)
    {
        AddDefaultValueStore(builder.Services);
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCallbacksOptions>, RedisCallbacksOptionsValidator>());
        services.Replace(ServiceDescriptor.Singleton<ICallbackBackendProvider, RedisBackendProvider>());
        return services.AddOptions<RedisCallbacksOptions>().ValidateOnStart();
    }

    /// <summary>
    /// Makes the default store Redis's, right after the embedded one it replaces rather than at the end: a default store
    /// the application registered itself (before or after <c>UseRedis</c>) comes later and still wins.
    /// </summary>
    private static void AddDefaultValueStore(IServiceCollection services)
    {
        var registration = ServiceDescriptor.Singleton(new ValueStoreRegistration(ValueStores.DefaultName,
            static sp => CreateValueStore(sp, ValueStores.DefaultName, new RedisValueStoreOptions())));
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ImplementationInstance is ValueStoreRegistration { Name: ValueStores.DefaultName })
            {
                services.Insert(i + 1, registration);
                return;
            }
        }

        services.Add(registration);
    }

    private static RedisValueStore CreateValueStore(IServiceProvider services, string name, RedisValueStoreOptions options) =>
        services.GetRequiredService<ICallbackBackendProvider>() is RedisBackendProvider backend
            ? new RedisValueStore(name, options, backend.Values)
            : throw new InvalidOperationException($"The Redis store of server-side values '{name}' needs the Redis backend: call UseRedis(...).");

    private static string? Problem(RedisValueStoreOptions options) =>
        string.IsNullOrEmpty(options.KeyPrefix) ? "needs a KeyPrefix: it keeps its keys apart from everything else in Redis."
        : options.Expiry <= TimeSpan.Zero ? $"needs a positive Expiry (it is {options.Expiry})."
        : options.MaxValueSize <= 0 ? $"needs a positive MaxValueSize (it is {options.MaxValueSize})."
        : null;
}
