using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// One Redis connection of the backend, made on its first use rather than while services are built: building the
/// backend never waits for Redis, and no request thread ever blocks on connecting (the connection is made on the
/// thread pool and awaited). Every user shares the one attempt. A connection of the backend's own is disposed with
/// it; one the application supplied (its <see cref="IConnectionMultiplexer"/>) is the application's, and never is.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Func<Task<IConnectionMultiplexer>> _connect;
    private readonly string _setting;
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly int _connectTimeout;
    private Task<IConnectionMultiplexer>? _connecting;
    private SentinelPrimaryGuard? _guard;
    private IDatabase? _database;
    private bool _disposed;

    private RedisConnection(Func<Task<IConnectionMultiplexer>> connect, bool owned, string setting, ILogger? logger = null, int connectTimeout = 0)
    {
        _connectTimeout = connectTimeout;
        _logger = logger ?? NullLogger.Instance;
        _connect = connect;
        Owned = owned;
        _setting = setting;
    }

    /// <summary>Whether the multiplexer is the backend's own, to dispose with it.</summary>
    public bool Owned { get; }

    /// <summary>The multiplexer, once it has been made; null before.</summary>
    public IConnectionMultiplexer? Current =>
        Volatile.Read(ref _connecting) is { IsCompletedSuccessfully: true } connecting ? connecting.Result : null;

    /// <summary>A multiplexer of the backend's own, opened from <paramref name="configuration"/> on first use.</summary>
    /// <param name="configuration">The configuration, with <c>AbortOnConnectFail</c> off, so an unreachable Redis yields a multiplexer that keeps trying.</param>
    /// <param name="setting">The option it came from, named in failure messages.</param>
    /// <remarks>
    /// With a <c>serviceName</c> the endpoints are sentinels: the <see cref="SentinelConnector"/> asks them for the
    /// primary and its replicas and connects to those, and a <see cref="SentinelPrimaryGuard"/> follows the sentinels
    /// (a promotion, a crashed primary that comes back). Without a tie-breaker key (the application cleared it) there
    /// is nothing to elect with, and StackExchange.Redis's own Sentinel mode is used instead.
    /// </remarks>
    /// <param name="logger">Where the Sentinel guard says what it did.</param>
    public static RedisConnection Open(ConfigurationOptions configuration, string setting, ILogger? logger = null)
    {
        if (!SentinelPrimaryGuard.CanGuard(configuration))
        {
            return new(
                async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false),
                owned: true,
                setting,
                logger: logger,
                connectTimeout: configuration.ConnectTimeout);
        }

        // The guard turns a crashed primary that came back into a replica, an admin command.
        configuration.AllowAdmin = true;
        RedisConnection? connection = null;
        connection = new(
            async () =>
            {
                var (data, sentinels) = await SentinelConnector.ConnectAsync(configuration).ConfigureAwait(false);
                connection!.Guard(data, sentinels, configuration);
                return data;
            },
            owned: true,
            setting,
            logger,
            configuration.ConnectTimeout);
        return connection;
    }

    /// <summary>The application's multiplexer, asked for on first use and never disposed here.</summary>
    /// <param name="factory">Gives the multiplexer.</param>
    /// <param name="setting">The option it came from, named in failure messages.</param>
    public static RedisConnection Borrow(Func<Task<IConnectionMultiplexer>> factory, string setting) =>
        new(factory, owned: false, setting);

    /// <summary>
    /// The multiplexer, connecting first if no attempt has been made. A Redis that cannot be reached surfaces as the
    /// core's 503 exception; an attempt that failed is made again by the next caller.
    /// </summary>
    public async ValueTask<IConnectionMultiplexer> GetAsync()
    {
        Task<IConnectionMultiplexer> connecting;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                // On the pool: a factory may block (a multiplexer registered in DI is often connected synchronously),
                // and the caller may be a request.
                _connecting = Task.Run(ConnectAsync);
            }

            connecting = _connecting;
        }

        try
        {
            return await connecting.ConfigureAwait(false);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw RedisFailures.Unavailable(e);
        }
    }

    /// <summary>The default database of the multiplexer, as <see cref="GetAsync"/> gives it.</summary>
    public async ValueTask<IDatabase> DatabaseAsync()
    {
        if (Volatile.Read(ref _database) is { } database)
        {
            return database;
        }

        database = (await GetAsync().ConfigureAwait(false)).GetDatabase();
        Volatile.Write(ref _database, database);
        return database;
    }

    public void Dispose()
    {
        Task<IConnectionMultiplexer>? connecting;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connecting = _connecting;
        }

        _guard?.Dispose();

        if (!Owned || connecting is null)
        {
            return;
        }

        if (connecting.IsCompletedSuccessfully)
        {
            connecting.Result.Dispose();
        }
        else
        {
            // Still connecting: close it once it is made, so no connection of ours outlives the backend.
            _ = connecting.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Dispose();
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        IConnectionMultiplexer? redis;
        try
        {
            redis = await _connect().ConfigureAwait(false);
        }
        catch (Exception e) when (!RedisFailures.IsUnavailable(e))
        {
            // Not Redis being away but the setup (a factory that throws, a service not registered): say which setting.
            throw new InvalidOperationException($"Connecting to Redis through {_setting} failed: {e.Message}", e);
        }

        if (redis is null)
        {
            throw new InvalidOperationException($"{_setting} returned no IConnectionMultiplexer.");
        }

        // A connection of ours that did not come up in time is made again in the background, and nothing else would
        // say why the requests meanwhile are answered 503: no connection event is raised before anyone could listen.
        if (Owned && !redis.IsConnected)
        {
            Diagnostics.Log.NotConnected(_logger, _setting, _connectTimeout);
        }

        return redis;
    }

    /// <summary>Puts the guard on a Sentinel connection just made; disposed already, the sentinels' connection is closed.</summary>
    private void Guard(ConnectionMultiplexer data, ConnectionMultiplexer sentinels, ConfigurationOptions configuration)
    {
        lock (_lock)
        {
            if (!_disposed && _guard is null)
            {
                _guard = new SentinelPrimaryGuard(data, sentinels, configuration, _logger);
                return;
            }
        }

        sentinels.Dispose();
    }
}
