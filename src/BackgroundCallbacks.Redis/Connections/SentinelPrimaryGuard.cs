using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// Keeps a Sentinel-managed multiplexer of ours writing to the primary the sentinels name. StackExchange.Redis 2.x
/// follows a promotion, but when the crashed primary comes back it is a primary again (with its own append-only file)
/// for the several seconds until the sentinels make it a replica, and the multiplexer, which still lists it, sends
/// writes there: everything written then is thrown away when it is demoted. It also keeps sending writes to a node that
/// answers READONLY until its next periodic check. So when a node comes back or answers READONLY, this asks the
/// sentinels which node is the primary; if the multiplexer sees another primary beside it, every primary it sees is
/// told the sentinels' choice through the multiplexer's tie-breaker key, and the multiplexer reconfigures, which elects
/// that node and sets the other aside. See docs/deployment.md, "High availability".
/// </summary>
internal sealed class SentinelPrimaryGuard : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger _logger;
    private readonly ConfigurationOptions _sentinelConfiguration;
    private readonly string _serviceName;
    private readonly string _tieBreaker;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private Task<ConnectionMultiplexer>? _sentinels;
    private int _again;
    private bool _disposed;

    public SentinelPrimaryGuard(IConnectionMultiplexer redis, ConfigurationOptions configuration, ILogger logger)
    {
        _redis = redis;
        _logger = logger;
        _serviceName = configuration.ServiceName!;
        _tieBreaker = configuration.TieBreaker;
        _sentinelConfiguration = configuration.Clone();
        _sentinelConfiguration.ClientName = (configuration.ClientName ?? "BackgroundCallbacks") + "-sentinel-guard";
        redis.ConnectionRestored += OnConnectionRestored;
        redis.ErrorMessage += OnErrorMessage;
    }

    /// <summary>Whether the multiplexer elects by a tie-breaker key; without one (the application cleared it) there is nothing to guard with.</summary>
    public static bool CanGuard(ConfigurationOptions configuration) =>
        !string.IsNullOrEmpty(configuration.ServiceName) && !string.IsNullOrEmpty(configuration.TieBreaker);

    /// <summary>Asks the sentinels and sets the multiplexer right if it sees a primary they do not name.</summary>
    public async Task CheckAsync()
    {
        // One check at a time; a request while one runs makes it run once more, since the news may be newer than its reading.
        if (!await _checking.WaitAsync(0).ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _again, 1);
            return;
        }

        try
        {
            do
            {
                Interlocked.Exchange(ref _again, 0);
                await CheckOnceAsync().ConfigureAwait(false);
            }
            while (Interlocked.Exchange(ref _again, 0) == 1 && !Volatile.Read(ref _disposed));
        }
        finally
        {
            _checking.Release();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.ErrorMessage -= OnErrorMessage;
        if (Interlocked.Exchange(ref _sentinels, null) is { } sentinels)
        {
            _ = sentinels.ContinueWith(
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

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Schedule();

    private void OnErrorMessage(object? sender, RedisErrorEventArgs e)
    {
        if (e.Message.StartsWith("READONLY", StringComparison.Ordinal))
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        if (!Volatile.Read(ref _disposed))
        {
            // Never on the multiplexer's own thread: the check makes calls on it.
            _ = Task.Run(CheckAsync);
        }
    }

    private async Task CheckOnceAsync()
    {
        try
        {
            // Only when the named node is up and says it is the primary: in the middle of a failover a sentinel may
            // still name the dead primary while the replica has already been promoted, and that new primary must not
            // be taken for a stale one.
            var named = await NamedPrimaryAsync().ConfigureAwait(false);
            if (named is null || !await IsPrimaryAsync(named).ConfigureAwait(false))
            {
                return;
            }

            // A reconfiguration already under way (the multiplexer starts one when a node comes back) may have read
            // the votes before they were cast, and a call made meanwhile is refused: try a few times, a moment apart.
            for (var attempt = 0; attempt < 10 && !Volatile.Read(ref _disposed) && !WritesGoTo(named); attempt++)
            {
                // Every primary it sees gets the same vote, so the election is unanimous; the one that is not the
                // sentinels' choice loses its copy of the key anyway when it becomes a replica.
                var vote = EndPointCollection.ToString(named);
                foreach (var server in _redis.GetServers().Where(s => s.IsConnected))
                {
                    try
                    {
                        await server.ExecuteAsync("SET", _tieBreaker, vote).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
                    {
                        // A replica refuses it, which is as it should be; the election counts only what primaries say.
                    }
                }

                // The election does not always set the stale node aside (a reconnect races with it), so the stale node
                // is also made a replica of the named one, which the sentinels would do a few seconds later anyway:
                // from then on it answers READONLY and the multiplexer's next reconfiguration sees it as a replica.
                foreach (var stale in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica && !s.EndPoint.Equals(named)))
                {
                    try
                    {
                        await stale.ReplicaOfAsync(named).ConfigureAwait(false);
                        Log.StalePrimaryDemoted(_logger, EndPointCollection.ToString(stale.EndPoint), EndPointCollection.ToString(named));
                    }
                    catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
                    {
                        // It went away again, or refuses admin commands (a managed service): the sentinels will do it.
                    }
                }

                if (!await _redis.ConfigureAsync().ConfigureAwait(false) || !WritesGoTo(named))
                {
                    await Task.Delay(200).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException or ObjectDisposedException)
        {
            // The next node that comes back, or the next READONLY, checks again.
        }
    }

    private async Task<bool> IsPrimaryAsync(System.Net.EndPoint named)
    {
        var server = _redis.GetServers().FirstOrDefault(s => s.EndPoint.Equals(named));
        if (server is not { IsConnected: true })
        {
            return false;
        }

        var role = await server.RoleAsync().ConfigureAwait(false);
        return role is Role.Master;
    }

    /// <summary>Whether the multiplexer would send a write to <paramref name="named"/>, and to no other node.</summary>
    private bool WritesGoTo(System.Net.EndPoint named)
    {
        var primaries = _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToArray();
        if (primaries.Length == 1)
        {
            return primaries[0].EndPoint.Equals(named);
        }

        // More than one answers as a primary: the multiplexer picks one it has not set aside, starting at a different
        // one each time, so a few picks show whether it would ever pick another.
        try
        {
            return Enumerable.Range(0, primaries.Length * 2)
                .All(_ => _redis.GetServer(default(RedisKey), flags: CommandFlags.DemandMaster).EndPoint.Equals(named));
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<System.Net.EndPoint?> NamedPrimaryAsync()
    {
        // Checks run one at a time, so only Dispose races with this.
        if (Volatile.Read(ref _sentinels) is not { IsFaulted: false, IsCanceled: false } connecting)
        {
            connecting = ConnectionMultiplexer.SentinelConnectAsync(_sentinelConfiguration);
            Volatile.Write(ref _sentinels, connecting);
        }

        var sentinels = await connecting.ConfigureAwait(false);
        foreach (var sentinel in sentinels.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                if (await sentinel.SentinelGetMasterAddressByNameAsync(_serviceName).ConfigureAwait(false) is { } named)
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
}
