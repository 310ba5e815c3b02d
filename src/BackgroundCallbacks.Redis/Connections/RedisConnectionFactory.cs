using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// Turns a configuration string, or the application's configuration, into that of a multiplexer that fails fast and
/// heals itself: it never refuses to start because Redis is down, fails a command at once while disconnected instead
/// of queueing it (so a request is answered with 503 rather than held), and keeps reconnecting in the background.
/// </summary>
internal static class RedisConnectionFactory
{
    /// <param name="connectionString">The StackExchange.Redis configuration string.</param>
    /// <param name="operationTimeout">How long connecting, and each call, may take.</param>
    /// <param name="callTimeout">How long each call may take, when it differs from connecting.</param>
    public static ConfigurationOptions Configure(string connectionString, TimeSpan operationTimeout, TimeSpan? callTimeout = null) =>
        Configure(ConfigurationOptions.Parse(connectionString), operationTimeout, callTimeout);

    /// <summary>
    /// A copy of the application's configuration with our timeouts and fail-fast settings; the rest (endpoints,
    /// credentials, TLS, an Entra ID token provider set as its <see cref="ConfigurationOptions.Defaults"/>) is kept.
    /// The application's instance is left as it was.
    /// </summary>
    /// <param name="source">The application's configuration.</param>
    /// <param name="operationTimeout">How long connecting, and each call, may take.</param>
    /// <param name="callTimeout">How long each call may take, when it differs from connecting.</param>
    public static ConfigurationOptions Configure(ConfigurationOptions source, TimeSpan operationTimeout, TimeSpan? callTimeout = null)
    {
        var configuration = source.Clone();
        var timeout = (int)Math.Ceiling(operationTimeout.TotalMilliseconds);
        var calls = (int)Math.Ceiling((callTimeout ?? operationTimeout).TotalMilliseconds);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = calls;
        configuration.AsyncTimeout = calls;
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;

        // Reconnect attempts start quickly and settle at a couple of seconds, so a restarted Redis is found again soon.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        configuration.ClientName ??= "BackgroundCallbacks";
        return configuration;
    }
}
