using System.Diagnostics;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of the test's own: three masters without replicas on free ports of 127.0.0.1, the 16384 slots
/// split between them by <c>redis-cli --cluster create</c>, each node's files in one temporary directory. Ready once
/// every node reports <c>cluster_state:ok</c>; each node is stopped by its own process id.
/// </summary>
public sealed class RedisCluster : ITestRedis
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly List<RedisProcess> _nodes = [];

    private RedisCluster(int[] ports)
    {
        Ports = ports;
        _directory = Directory.CreateTempSubdirectory("bgcb-redis-cluster-").FullName;
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>Every node, as a client of a cluster names it; any one of them would do, as StackExchange.Redis finds the rest.</summary>
    public string ConnectionString => string.Join(',', Ports.Select(p => $"127.0.0.1:{p}"));

    public static async Task<RedisCluster> StartAsync(int shards = 3)
    {
        var cluster = new RedisCluster([.. Enumerable.Range(0, shards).Select(_ => FreePort.Next())]);
        try
        {
            await cluster.StartNodesAsync();
            await cluster.CreateAsync();
            await cluster.WaitUntilReadyAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.KillAsync()));
        _nodes.Clear();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private async Task StartNodesAsync()
    {
        foreach (var port in Ports)
        {
            _nodes.Add(await RedisProcess.StartAsync(port, _directory,
                ["--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(_directory, $"nodes-{port}.conf"), "--cluster-node-timeout", "5000"]));
        }
    }

    private Task<string> CreateAsync() =>
        RedisCliAsync(["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]);

    /// <summary>Every node must know the whole slot map before a client arrives, or its first commands are redirected or refused.</summary>
    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        foreach (var port in Ports)
        {
            while (true)
            {
                var info = await RedisCliAsync(["-p", port.ToString(), "cluster", "info"]);
                if (info.Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The cluster node on port {port} did not report cluster_state:ok within {ReadyTimeout}:\n{info}");
                }

                await Task.Delay(50);
            }
        }
    }

    private static async Task<string> RedisCliAsync(string[] arguments)
    {
        var start = new ProcessStartInfo(RedisProcess.FindBinary("redis-cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-h");
        start.ArgumentList.Add("127.0.0.1");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {ReadyTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }

        return await output;
    }
}
