using System.Reflection;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Declarations;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BackgroundCallbacks;

/// <summary>
/// Configures background callbacks after <c>AddBackgroundCallbacks</c>: where callbacks come from, extra managers
/// and cache-by providers. Backend packages add their own methods (for example <c>UseRedis</c>).
/// </summary>
public sealed class BackgroundCallbacksBuilder
{
    private readonly CallbackSources _sources;

    internal BackgroundCallbacksBuilder(IServiceCollection services, CallbackSources sources)
    {
        Services = services;
        _sources = sources;
    }

    /// <summary>Gets the application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Scans an assembly for methods marked with <see cref="BackgroundCallbackAttribute"/>.</summary>
    /// <param name="assembly">The assembly to scan; the entry assembly is scanned anyway unless turned off in the options.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddCallbacksFrom(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (!_sources.Assemblies.Contains(assembly))
        {
            _sources.Assemblies.Add(assembly);
        }

        return this;
    }

    /// <summary>
    /// Registers a callback built in code, for example one per item of a list. Declare its dependencies on the
    /// returned builder; they follow the same rules as the attributes.
    /// </summary>
    /// <param name="id">The callback id, unique in the application.</param>
    /// <param name="handler">The handler: any delegate whose parameters are its inputs and state, optionally with a progress reporter, a cancellation token and a <see cref="CallbackContext"/>.</param>
    /// <returns>A builder to declare the callback's dependencies and settings.</returns>
    public BackgroundCallbackBuilder MapBackgroundCallback(string id, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var declaration = new CallbackDeclaration(new BackgroundCallbackAttribute(id), handler.Method, handler.Target) { IsDelegate = true };
        _sources.Declared.Add(declaration);
        return new BackgroundCallbackBuilder(declaration);
    }

    /// <summary>Adds a named manager, which callbacks choose with <see cref="BackgroundCallbackAttribute.Manager"/>.</summary>
    /// <param name="name">The manager's name: lowercase letters, digits, '-' or '_'.</param>
    /// <param name="configure">Sets the manager's cache-by providers, expiry and queue.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddManager(string name, Action<CallbackManagerOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure<BackgroundCallbacksOptions>(options =>
        {
            if (!options.Managers.TryGetValue(name, out var manager))
            {
                options.Managers[name] = manager = new CallbackManagerOptions();
            }

            configure(manager);
        });
        return this;
    }

    /// <summary>Registers a cache-by provider, resolved from DI, under a name callbacks and managers can use.</summary>
    /// <typeparam name="TProvider">The provider type; registered as a singleton unless already registered under this name.</typeparam>
    /// <param name="name">The name to use in <see cref="CallbackManagerOptions.CacheBy"/> and <see cref="BackgroundCallbackAttribute.CacheBy"/>.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddCacheByProvider<TProvider>(string name)
        where TProvider : class, ICacheByProvider
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Services.TryAddKeyedSingleton<ICacheByProvider, TProvider>(name);
        _sources.CacheByProviders.Add(name);
        return this;
    }

    /// <summary>Registers a cache-by provider instance under a name.</summary>
    /// <param name="name">The name to use in the cache-by lists.</param>
    /// <param name="provider">The provider.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddCacheByProvider(string name, ICacheByProvider provider)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(provider);
        Services.AddKeyedSingleton(name, provider);
        _sources.CacheByProviders.Add(name);
        return this;
    }

    /// <summary>
    /// Registers a cache-by provider whose value is a file's last write time, so cached results computed from the file
    /// are recomputed once it changes.
    /// </summary>
    /// <param name="name">The name to use in the cache-by lists.</param>
    /// <param name="path">The file's path.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddFileModifiedCacheBy(string name, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AddCacheByProvider(name, new FileModifiedCacheByProvider(Path.GetFullPath(path)));
    }

    /// <summary>
    /// Adds an in-memory store of server-side values under a name outputs can pick
    /// (<see cref="OutputAttribute.Store"/>). Naming it <c>default</c> replaces the default store's settings.
    /// </summary>
    /// <param name="name">The store's name: 1 to 32 lowercase letters, digits, '-' or '_'.</param>
    /// <param name="configure">Sets its size cap and expiry; the defaults when null.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddMemoryValueStore(string name, Action<MemoryValueStoreOptions>? configure = null)
    {
        var options = new MemoryValueStoreOptions();
        configure?.Invoke(options);
        return AddValueStore(name, sp => new MemoryValueStore(name, options, sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Adds a store of server-side values in a directory under a name outputs can pick (<see cref="OutputAttribute.Store"/>):
    /// for large values, kept out of the process's memory. Naming it <c>default</c> makes it the default store.
    /// </summary>
    /// <param name="name">The store's name: 1 to 32 lowercase letters, digits, '-' or '_'.</param>
    /// <param name="configure">Sets its directory (required), size cap, expiry and cleanup interval.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder AddFileSystemValueStore(string name, Action<FileSystemValueStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new FileSystemValueStoreOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            throw new ArgumentException($"The file-system value store '{name}' needs a directory.", nameof(configure));
        }

        return AddValueStore(name, sp => new FileSystemValueStore(name, options, sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Replaces the format of server-side values (JSON by default), for example with a binary serializer for large data.
    /// Every process of the application must use the same one.
    /// </summary>
    /// <param name="serializer">The serializer.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbacksBuilder UseServerSideSerializer(IServerSideSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        Services.Replace(ServiceDescriptor.Singleton(serializer));
        return this;
    }

    /// <summary>Registers a store under a name; backend packages use it for their own stores.</summary>
    internal BackgroundCallbacksBuilder AddValueStore(string name, Func<IServiceProvider, IValueStore> create)
    {
        if (!ValueStores.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a store name: use 1 to 32 lowercase letters, digits, '-' or '_'.", nameof(name));
        }

        Services.AddSingleton(new ValueStoreRegistration(name, create));
        _sources.ValueStores.Add(name);
        return this;
    }
}
