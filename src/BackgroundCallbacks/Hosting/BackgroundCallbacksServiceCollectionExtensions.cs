using BackgroundCallbacks;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Client;
using BackgroundCallbacks.Hosting;
using BackgroundCallbacks.Http;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Queueing;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds background callbacks to an application's services.</summary>
public static class BackgroundCallbacksServiceCollectionExtensions
{
    /// <summary>
    /// Adds background callbacks on the embedded default: jobs, job state and results all live in this process, with
    /// nothing to install. Callbacks are found in the entry assembly.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns>A builder for further configuration.</returns>
    public static BackgroundCallbacksBuilder AddBackgroundCallbacks(this IServiceCollection services) =>
        services.AddBackgroundCallbacks(static _ => { });

    /// <summary>Adds background callbacks and configures them.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further configuration.</returns>
    public static BackgroundCallbacksBuilder AddBackgroundCallbacks(this IServiceCollection services, Action<BackgroundCallbacksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services);
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds background callbacks with options bound from configuration, such as the <c>BackgroundCallbacks</c> section.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>A builder for further configuration.</returns>
    public static BackgroundCallbacksBuilder AddBackgroundCallbacks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.Configure<BackgroundCallbacksOptions>(configuration);
        return builder;
    }

    private static BackgroundCallbacksBuilder AddCore(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(CallbackSources))?.ImplementationInstance as CallbackSources;
        if (existing is not null)
        {
            return new BackgroundCallbacksBuilder(services, existing);
        }

        var sources = new CallbackSources();
        services.AddSingleton(sources);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<BackgroundCallbacksOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackgroundCallbacksOptions>, BackgroundCallbacksOptionsValidator>());

        // The instruments come from the app's meter factory (idempotent if the host added it, as hosts do).
        services.AddMetrics();
        services.TryAddSingleton<CallbackMetrics>();
        services.TryAddSingleton<CallbackRegistry>();
        services.TryAddSingleton<ClientScriptPrefix>();
        // Session cookies are protected with the app's Data Protection key ring (idempotent if the app set it up).
        services.AddDataProtection();
        services.TryAddSingleton<OwnerResolver>();
        services.TryAddSingleton<InMemoryResultStore>();
        services.TryAddSingleton<InMemoryJobStore>();
        services.TryAddSingleton<InMemoryIdempotencyStore>();
        services.TryAddSingleton<ICallbackBackendProvider, EmbeddedBackendProvider>();
        services.TryAddSingleton<CallbackManagers>();
        services.TryAddSingleton<JobRunner>();
        services.TryAddSingleton<JobEntryPoint>();
        services.TryAddSingleton<JobLines>();
        services.TryAddSingleton<OwnerJobLimit>();
        services.TryAddSingleton<JobEnqueuer>();
        services.TryAddSingleton<InvocationService>();
        services.TryAddSingleton<IdempotentInvocations>();
        services.TryAddSingleton<ICallbackCache, CallbackCache>();
        services.TryAddSingleton<InlineRunner>();
        services.TryAddSingleton<HandlerErrors>();
        services.AddSingleton(new ValueStoreRegistration(ValueStores.DefaultName, static sp =>
            new MemoryValueStore(ValueStores.DefaultName, new MemoryValueStoreOptions(), sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<ValueStores>();
        services.TryAddSingleton<ServerSideValues>();
        services.TryAddSingleton<UploadGate>();
        services.TryAddSingleton<IServerSideSerializer>(static sp => new JsonServerSideSerializer(sp.GetRequiredService<IOptions<BackgroundCallbacksOptions>>().Value.SerializerOptions));
        services.TryAddSingleton<JobService>();
        services.TryAddSingleton<JobFeed>();

        // Hosted services stop in reverse order: the workers first, then the sweeper, then the enqueuer, which queues
        // what was admitted before it stops; Hangfire's log lines go to the app's loggers until after all of them.
        services.AddHostedService<HangfireLogHost>();
        services.AddHostedService<CallbackManagerStartup>();
        services.AddHostedService(static sp => sp.GetRequiredService<JobEnqueuer>());
        services.AddHostedService<JobSweeper>();
        services.AddHostedService<LineKeeper>();
        services.AddHostedService<JobServerHost>();

        var builder = new BackgroundCallbacksBuilder(services, sources);
        builder.AddCacheByProvider<LaunchIdCacheByProvider>(BuiltInCacheBy.LaunchId);
        builder.AddCacheByProvider<UserCacheByProvider>(BuiltInCacheBy.User);
        builder.AddCacheByProvider<SessionCacheByProvider>(BuiltInCacheBy.Session);
        builder.AddCacheByProvider<AppVersionCacheByProvider>(BuiltInCacheBy.AppVersion);
        return builder;
    }
}
