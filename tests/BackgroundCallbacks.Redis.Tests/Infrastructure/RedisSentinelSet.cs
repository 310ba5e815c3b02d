using System.Globalization;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A Sentinel deployment in miniature, all on free ports of 127.0.0.1: one primary, one replica of it, and three
/// sentinels that monitor them with a quorum of two. Both data nodes keep an append-only file synced every second, as
/// docs/deployment.md recommends. Started, it has waited (with deadlines) until the replica is in sync and every
/// sentinel sees the replica and the two other sentinels, so a failover can happen. Every process is stopped by its
/// own id; the primary can be killed with SIGKILL.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    public const string ServiceName = "mymaster";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly Dictionary<int, RedisProcess> _nodes = [];
    private readonly List<RedisProcess> _sentinels = [];

    private RedisSentinelSet(string directory, TimeSpan downAfter)
    {
        _directory = directory;
        DownAfter = downAfter;
    }

    /// <summary>How long a primary must be silent before the sentinels call it down (<c>down-after-milliseconds</c>).</summary>
    public TimeSpan DownAfter { get; }

    /// <summary>The port of the node that was the primary at start.</summary>
    public int FirstPrimaryPort { get; private set; }

    /// <summary>The port of the node that was the replica at start.</summary>
    public int FirstReplicaPort { get; private set; }

    public IReadOnlyList<int> SentinelPorts => _sentinels.Select(s => s.Port).ToArray();

    /// <summary>The StackExchange.Redis configuration string: the sentinels and the service name.</summary>
    public string ConnectionString =>
        string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + ",serviceName=" + ServiceName;

    public static async Task<RedisSentinelSet> StartAsync(TimeSpan? downAfter = null)
    {
        var set = new RedisSentinelSet(Directory.CreateTempSubdirectory("bgcb-sentinel-").FullName, downAfter ?? TimeSpan.FromSeconds(1));
        try
        {
            set.FirstPrimaryPort = FreePort.Next();
            await set.StartNodeAsync(set.FirstPrimaryPort, replicaOf: null);
            set.FirstReplicaPort = FreePort.Next();
            await set.StartNodeAsync(set.FirstReplicaPort, replicaOf: set.FirstPrimaryPort);
            await WaitAsync(async () => RespClient.Info(await RespClient.CommandAsync(set.FirstReplicaPort, "INFO", "replication"))
                .GetValueOrDefault("master_link_status") == "up", "the replica to be in sync with the primary");

            var ports = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
            foreach (var port in ports)
            {
                set._sentinels.Add(await set.StartSentinelAsync(port));
            }

            foreach (var port in ports)
            {
                await WaitAsync(
                    async () =>
                    {
                        var master = RespClient.Fields(await RespClient.CommandAsync(port, "SENTINEL", "MASTER", ServiceName));
                        return master["num-slaves"] == "1" && master["num-other-sentinels"] == "2";
                    },
                    $"the sentinel on port {port} to see the replica and the two other sentinels");
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    /// <summary>The primary's port as a majority of the sentinels name it now.</summary>
    public async Task<int?> PrimaryPortAsync()
    {
        var named = new List<int>();
        foreach (var sentinel in _sentinels)
        {
            try
            {
                var address = (object?[]?)await RespClient.CommandAsync(sentinel.Port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName);
                if (address is [_, string port])
                {
                    named.Add(int.Parse(port, CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
                // A sentinel that does not answer names nobody.
            }
        }

        return named.GroupBy(p => p).Where(g => g.Count() >= 2).Select(g => (int?)g.Key).FirstOrDefault();
    }

    /// <summary>The process id of the data node on <paramref name="port"/>.</summary>
    public int PidOf(int port) => _nodes[port].Id;

    /// <summary>Kills the data node on <paramref name="port"/> with SIGKILL, by its pid, and waits until it is gone.</summary>
    public Task KillNodeAsync(int port) => _nodes[port].KillAsync();

    /// <summary>
    /// Starts a killed node again on its port and directory, as a plain primary that loads its append-only file: the
    /// sentinels then turn it into a replica of the new primary, as happens when a crashed primary comes back.
    /// </summary>
    public async Task RestartNodeAsync(int port)
    {
        await _nodes[port].DisposeAsync();
        _nodes.Remove(port);
        await StartNodeAsync(port, replicaOf: null);
    }

    /// <summary>
    /// Starts one more replica of the first primary, after the set started, and waits until it is in sync and every
    /// sentinel sees it (with the first replica, two).
    /// </summary>
    /// <returns>Its port.</returns>
    public async Task<int> AddReplicaAsync()
    {
        var port = FreePort.Next();
        await StartNodeAsync(port, replicaOf: FirstPrimaryPort);
        await WaitAsync(async () => RespClient.Info(await RespClient.CommandAsync(port, "INFO", "replication"))
            .GetValueOrDefault("master_link_status") == "up", "the added replica to be in sync with the primary");
        foreach (var sentinel in _sentinels)
        {
            await WaitAsync(
                async () => RespClient.Fields(await RespClient.CommandAsync(sentinel.Port, "SENTINEL", "MASTER", ServiceName))["num-slaves"] == "2",
                $"the sentinel on port {sentinel.Port} to see the added replica");
        }

        return port;
    }

    /// <summary>
    /// Makes the replica on <paramref name="port"/> one the sentinels never promote (<c>replica-priority 0</c>), and
    /// waits until every sentinel has read that from it (they read a replica's INFO every 10 s).
    /// </summary>
    public async Task NeverPromoteAsync(int port)
    {
        await RespClient.CommandAsync(port, "CONFIG", "SET", "replica-priority", "0");
        var name = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        foreach (var sentinel in _sentinels)
        {
            await WaitAsync(
                async () =>
                {
                    var replicas = (object?[]?)await RespClient.CommandAsync(sentinel.Port, "SENTINEL", "REPLICAS", ServiceName) ?? [];
                    return replicas.OfType<object?[]>().Select(RespClient.Fields)
                        .Any(r => r.GetValueOrDefault("name") == name && r.GetValueOrDefault("slave-priority") == "0");
                },
                $"the sentinel on port {sentinel.Port} to read replica-priority 0 from {port}",
                TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Waits until a majority of sentinels name a new primary and that node says it is one.</summary>
    public async Task<int> WaitForPromotionAsync(int formerPrimary, TimeSpan timeout)
    {
        var promoted = 0;
        try
        {
            await WaitForPromotionCoreAsync(formerPrimary, timeout, p => promoted = p);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} A sentinel's log:\n{_sentinels[0].Output}", e);
        }

        return promoted;
    }

    private async Task WaitForPromotionCoreAsync(int formerPrimary, TimeSpan timeout, Action<int> found)
    {
        var promoted = 0;
        await WaitAsync(
            async () =>
            {
                if (await PrimaryPortAsync() is not { } port || port == formerPrimary)
                {
                    return false;
                }

                promoted = port;
                return RespClient.Info(await RespClient.CommandAsync(port, "INFO", "replication")).GetValueOrDefault("role") == "master";
            },
            "the sentinels to promote the replica",
            timeout);
        found(promoted);
    }

    /// <summary>Waits until the node on <paramref name="port"/> is a replica in sync with <paramref name="primary"/>.</summary>
    public async Task WaitForReplicaAsync(int port, int primary, TimeSpan timeout)
    {
        var last = new Dictionary<string, string>();
        try
        {
            await WaitAsync(
                async () =>
                {
                    last = RespClient.Info(await RespClient.CommandAsync(port, "INFO", "replication"));
                    return last.GetValueOrDefault("role") == "slave"
                        && last.GetValueOrDefault("master_port") == primary.ToString(CultureInfo.InvariantCulture)
                        && last.GetValueOrDefault("master_link_status") == "up";
                },
                $"the node on port {port} to replicate from {primary}",
                timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(
                $"{e.Message} Its replication: {string.Join(' ', last.Select(p => p.Key + ":" + p.Value))}\nA sentinel's log:\n{_sentinels[0].Output}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _sentinels.Concat(_nodes.Values))
        {
            await process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private async Task StartNodeAsync(int port, int? replicaOf)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "node-" + port)).FullName;
        List<string> arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no",
            "--dir", directory, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
        ];
        if (replicaOf is { } primary)
        {
            arguments.AddRange(["--replicaof", "127.0.0.1", primary.ToString(CultureInfo.InvariantCulture)]);
        }

        _nodes[port] = await RedisProcess.StartWithArgumentsAsync(port, directory, arguments);
    }

    private async Task<RedisProcess> StartSentinelAsync(int port)
    {
        // A sentinel rewrites its configuration file as it learns the deployment: each gets its own.
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "sentinel-" + port)).FullName;
        var configuration = Path.Combine(directory, "sentinel.conf");
        var downAfter = (int)DownAfter.TotalMilliseconds;
        await File.WriteAllLinesAsync(configuration,
        [
            $"port {port}",
            "bind 127.0.0.1",
            "protected-mode no",
            $"dir {directory}",
            $"sentinel monitor {ServiceName} 127.0.0.1 {FirstPrimaryPort} 2",
            $"sentinel down-after-milliseconds {ServiceName} {downAfter}",
            $"sentinel failover-timeout {ServiceName} 10000",
            $"sentinel parallel-syncs {ServiceName} 1",
        ]);
        return await RedisProcess.StartWithArgumentsAsync(port, directory, [configuration, "--sentinel"]);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? ReadyTimeout);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException or KeyNotFoundException)
            {
                last = e;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {what}." + (last is null ? "" : " Last error: " + last.Message));
    }
}
