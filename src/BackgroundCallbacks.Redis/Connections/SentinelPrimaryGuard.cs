using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// Keeps a multiplexer of ours (connected to the data nodes by <see cref="SentinelConnector"/>) writing to the primary
/// the sentinels name. After a promotion, StackExchange.Redis learns that the replica became the primary only when it
/// reads the node's role again: on a reconnect, or at a periodic check (1, 3, 6… s after the primary was lost). So this
/// listens to the sentinels' <c>+switch-master</c>, and after the primary's connection fails it asks the sentinels
/// every <see cref="FollowInterval"/> until writes go to the node they name. When a crashed primary comes back it is a
/// primary again (with its own append-only file) for the several seconds until the sentinels make it a replica, and
/// the multiplexer, which still lists it, would send writes there: everything written then is thrown away when it is
/// demoted. It would also keep sending writes to a node that answers READONLY until its next periodic check. So when
/// a node comes back or answers READONLY, this asks the sentinels as well. Whenever the multiplexer does not write to
/// the node they name, every primary it sees is told the sentinels' choice through the multiplexer's tie-breaker key,
/// a stale primary is made a replica, and the multiplexer reconfigures, which elects that node and sets the other
/// aside. Everything is asynchronous (see <see cref="SentinelConnector"/> for why). See docs/deployment.md, "High
/// availability".
/// </summary>
internal sealed class SentinelPrimaryGuard : IDisposable
{
    /// <summary>How often the sentinels are asked while the multiplexer has lost its primary.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long the sentinels are asked after the primary was lost, at most: longer than any election (a failover that
    /// takes longer is still followed, by the reconnect to the promoted node, its <c>+switch-master</c>, or the
    /// multiplexer's periodic check).
    /// </summary>
    private static readonly TimeSpan FollowLimit = TimeSpan.FromMinutes(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly ConnectionMultiplexer _sentinels;
    private readonly ILogger _logger;
    private readonly string _serviceName;
    private readonly string _tieBreaker;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly Action<RedisChannel, RedisValue> _onSwitch;
    private string? _unknownReported;
    private int _again;
    private int _following;
    private bool _settled;
    private bool _disposed;

    /// <param name="redis">The multiplexer of the data nodes.</param>
    /// <param name="sentinels">The multiplexer of the sentinels; the guard's from now on, disposed with it.</param>
    /// <param name="configuration">The backend's Sentinel configuration (service name, tie-breaker key).</param>
    /// <param name="logger">Where the guard says what it did.</param>
    public SentinelPrimaryGuard(IConnectionMultiplexer redis, ConnectionMultiplexer sentinels, ConfigurationOptions configuration, ILogger logger)
    {
        _redis = redis;
        _sentinels = sentinels;
        _logger = logger;
        _serviceName = configuration.ServiceName!;
        _tieBreaker = configuration.TieBreaker;
        _onSwitch = OnSwitchMaster;
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        redis.ErrorMessage += OnErrorMessage;

        // StackExchange.Redis subscribes again after a sentinel reconnects; a subscription that fails now is covered
        // by the asking that follows a lost primary.
        _ = sentinels.GetSubscriber().SubscribeAsync(SentinelConnector.SwitchMasterChannel, _onSwitch).ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
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
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.ErrorMessage -= OnErrorMessage;
        _sentinels.Dispose();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Schedule();

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive && !Volatile.Read(ref _disposed)
            && _redis.GetServers().FirstOrDefault(s => s.EndPoint.Equals(e.EndPoint)) is { IsReplica: false })
        {
            // Never on the multiplexer's own thread: the checks make calls on it.
            _ = Task.Run(FollowAsync);
        }
    }

    private void OnSwitchMaster(RedisChannel channel, RedisValue message)
    {
        // "name old-ip old-port new-ip new-port", for every service the sentinels watch.
        var text = (string?)message;
        if (text is not null && text.StartsWith(_serviceName + " ", StringComparison.Ordinal))
        {
            Schedule();
        }
    }

    /// <summary>
    /// Asks the sentinels, a moment apart, until writes go to the node they name: during the sentinels' election they
    /// still name the lost primary, and no message says when a promoted node has taken over if the
    /// <c>+switch-master</c> was missed. One such loop at a time.
    /// </summary>
    private async Task FollowAsync()
    {
        if (Interlocked.Exchange(ref _following, 1) == 1)
        {
            return;
        }

        try
        {
            Volatile.Write(ref _settled, false);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            while (!Volatile.Read(ref _disposed) && System.Diagnostics.Stopwatch.GetElapsedTime(started) < FollowLimit)
            {
                await CheckAsync().ConfigureAwait(false);
                if (Volatile.Read(ref _settled))
                {
                    return;
                }

                await Task.Delay(FollowInterval).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _following, 0);
        }
    }

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
            var named = await SentinelConnector.NamedPrimaryAsync(_sentinels, _serviceName).ConfigureAwait(false);
            if (named is null || !await IsPrimaryAsync(named).ConfigureAwait(false))
            {
                return;
            }

            if (WritesGoTo(named))
            {
                Volatile.Write(ref _settled, true);
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

            Volatile.Write(ref _settled, WritesGoTo(named));
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException or ObjectDisposedException)
        {
            // The next node that comes back, or the next READONLY, checks again.
        }
    }

    private async Task<bool> IsPrimaryAsync(System.Net.EndPoint named)
    {
        var server = _redis.GetServers().FirstOrDefault(s => s.EndPoint.Equals(named));
        if (server is null)
        {
            // A node the sentinels did not name when we connected (added since): this multiplexer cannot reach it.
            var endPoint = EndPointCollection.ToString(named);
            if (Interlocked.Exchange(ref _unknownReported, endPoint) != endPoint)
            {
                Log.SentinelPrimaryUnknown(_logger, endPoint);
            }

            return false;
        }

        if (!server.IsConnected)
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
        if (primaries.Length == 0)
        {
            return false;
        }

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
        catch (Exception e) when (e is InvalidOperationException or RedisException)
        {
            return false;
        }
    }
}
