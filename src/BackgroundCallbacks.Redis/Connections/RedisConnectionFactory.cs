using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// Turns a configuration string into a multiplexer that fails fast and heals itself: it never refuses to start
/// because Redis is down, fails a command at once while disconnected instead of queueing it (so a request is answered
/// with 503 rather than held), and keeps reconnecting in the background.
/// </summary>
internal static class RedisConnectionFactory
{
    public static ConfigurationOptions Configure(string connectionString, TimeSpan operationTimeout)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        var timeout = (int)Math.Ceiling(operationTimeout.TotalMilliseconds);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;

        // Reconnect attempts start quickly and settle at a couple of seconds, so a restarted Redis is found again soon.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        configuration.ClientName ??= "BackgroundCallbacks";
        return configuration;
    }

    public static ConnectionMultiplexer Connect(string connectionString, TimeSpan operationTimeout) =>
        ConnectionMultiplexer.Connect(Configure(connectionString, operationTimeout));
}
