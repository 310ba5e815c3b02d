using System.Net;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// Opens a connection of ours to a Sentinel-managed Redis without StackExchange.Redis's own Sentinel mode: it asks the
/// sentinels (asynchronously) for the primary and its replicas, and connects to those nodes as an ordinary
/// multiplexer elected by its tie-breaker key; the <see cref="SentinelPrimaryGuard"/> then follows the sentinels.
/// </summary>
/// <remarks>
/// StackExchange.Redis's Sentinel mode (2.13) makes blocking calls on thread-pool threads while the primary is away:
/// every second it asks the sentinels synchronously and waits (<c>Task.Wait</c>) for a reconfiguration that itself
/// waits up to <c>ConnectTimeout</c> for the dead node. On a small machine that starved the pool of the web processes
/// for seconds after a primary was killed: requests were answered late, the reconnect to the promoted node was late,
/// and 503 answers went on 6–9 s after the kill although the sentinels had named the new primary after about 2 s.
/// Everything here, and in the guard, is asynchronous.
/// </remarks>
internal static class SentinelConnector
{
    /// <summary>The channel on which a sentinel announces a promotion: "name old-ip old-port new-ip new-port".</summary>
    public static readonly RedisChannel SwitchMasterChannel = RedisChannel.Literal("+switch-master");

    /// <summary>
    /// Connects to the sentinels of <paramref name="configuration"/> and to the data nodes they name for its service.
    /// </summary>
    /// <param name="configuration">The backend's configuration: the sentinels as endpoints, and a <c>serviceName</c>.</param>
    /// <returns>The multiplexer of the data nodes, and the one of the sentinels (the guard's, disposed with it).</returns>
    public static async Task<(ConnectionMultiplexer Data, ConnectionMultiplexer Sentinels)> ConnectAsync(ConfigurationOptions configuration)
    {
        var sentinels = await ConnectionMultiplexer.SentinelConnectAsync(SentinelConfiguration(configuration)).ConfigureAwait(false);
        try
        {
            var (primary, replicas) = await NodesAsync(sentinels, configuration.ServiceName!).ConfigureAwait(false)
                ?? throw new RedisConnectionException(
                    ConnectionFailureType.UnableToConnect,
                    $"No sentinel named a primary for the service {configuration.ServiceName}.");
            var data = DataConfiguration(configuration, primary, replicas);
            return (await ConnectionMultiplexer.ConnectAsync(data).ConfigureAwait(false), sentinels);
        }
        catch
        {
            await sentinels.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The primary a connected sentinel names for <paramref name="serviceName"/>, or null when none answers.</summary>
    public static async Task<EndPoint?> NamedPrimaryAsync(ConnectionMultiplexer sentinels, string serviceName)
    {
        foreach (var sentinel in sentinels.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                if (await sentinel.SentinelGetMasterAddressByNameAsync(serviceName).ConfigureAwait(false) is { } named)
                {
                    return named;
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Ask the next sentinel.
            }
        }

        return null;
    }

    /// <summary>The configuration of the sentinels: the application's, named apart so the connections can be told apart.</summary>
    private static ConfigurationOptions SentinelConfiguration(ConfigurationOptions configuration)
    {
        var sentinels = configuration.Clone();
        sentinels.ClientName = (configuration.ClientName ?? "BackgroundCallbacks") + "-sentinel";
        return sentinels;
    }

    /// <summary>
    /// The configuration of the data nodes: the application's (credentials, TLS, timeouts, tie-breaker) with the
    /// nodes the sentinels name instead of the sentinels, and no service name, so StackExchange.Redis treats it as an
    /// ordinary primary with replicas.
    /// </summary>
    private static ConfigurationOptions DataConfiguration(ConfigurationOptions configuration, EndPoint primary, EndPoint[] replicas)
    {
        var data = configuration.Clone();
        data.ServiceName = null;
        data.EndPoints.Clear();
        data.EndPoints.Add(primary);
        foreach (var replica in replicas)
        {
            data.EndPoints.TryAdd(replica);
        }

        return data;
    }

    private static async Task<(EndPoint Primary, EndPoint[] Replicas)?> NodesAsync(ConnectionMultiplexer sentinels, string serviceName)
    {
        foreach (var sentinel in sentinels.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                if (await sentinel.SentinelGetMasterAddressByNameAsync(serviceName).ConfigureAwait(false) is { } primary)
                {
                    var replicas = await sentinel.SentinelGetReplicaAddressesAsync(serviceName).ConfigureAwait(false);
                    return (primary, replicas);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Ask the next sentinel.
            }
        }

        return null;
    }
}
