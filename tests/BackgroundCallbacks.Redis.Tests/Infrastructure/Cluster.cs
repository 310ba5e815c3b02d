using BackgroundCallbacks.Redis.Hosting;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A deployment in miniature: one real Redis (or a real Redis Cluster), web processes that run no jobs and worker processes, each a separate
/// process of the test host. Every process gets the same settings, as a real deployment's would.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    /// <summary>Dead workers are noticed fast here, so the crash tests take seconds, not minutes.</summary>
    public static readonly TimeSpan DeadWorkerTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DeadWorkerCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>The library's default, kept: the recovery bound below includes it.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The options as every process of the cluster has them.</summary>
    public static RedisCallbacksOptions Options { get; } = new()
    {
        DeadWorkerTimeout = DeadWorkerTimeout,
        DeadWorkerCheckInterval = DeadWorkerCheckInterval,
        FetchTimeout = FetchTimeout,
    };

    /// <summary>What the options promise for a dead worker's job, at worst (47 s here).</summary>
    public static TimeSpan RecoveryBound => RedisBackendProvider.RecoveryBound(Options);

    /// <summary>What the options give in the usual case (17 s here).</summary>
    public static TimeSpan TypicalRecovery => RedisBackendProvider.TypicalRecovery(Options);

    private readonly List<HostProcess> _processes = [];

    private Cluster(ITestRedis redis) => Redis = redis;

    public ITestRedis Redis { get; }

    public List<HostProcess> Webs { get; } = [];

    public List<HostProcess> Workers { get; } = [];

    public static string[] Settings { get; } =
    [
        $"--BackgroundCallbacks:Redis:DeadWorkerTimeout={DeadWorkerTimeout:c}",
        $"--BackgroundCallbacks:Redis:DeadWorkerCheckInterval={DeadWorkerCheckInterval:c}",
        $"--BackgroundCallbacks:Redis:FetchTimeout={FetchTimeout:c}",
    ];

    /// <param name="webs">How many web processes to start.</param>
    /// <param name="workers">How many worker processes to start.</param>
    /// <param name="workerSettings">Settings every worker gets after the cluster's own.</param>
    /// <param name="onRedisCluster">Whether the processes share a three-shard Redis Cluster rather than one redis-server.</param>
    public static async Task<Cluster> StartAsync(int webs, int workers, string[]? workerSettings = null, bool onRedisCluster = false)
    {
        ITestRedis redis = onRedisCluster ? await RedisCluster.StartAsync() : await RedisServer.StartAsync();
        var cluster = new Cluster(redis) { _workerSettings = workerSettings ?? [] };
        try
        {
            // Started together: each process spends most of its start-up in the runtime, not in Redis.
            var starting = Enumerable.Range(0, webs).Select(_ => cluster.StartWebCoreAsync())
                .Concat(Enumerable.Range(0, workers).Select(_ => cluster.StartWorkerCoreAsync()))
                .ToArray();
            await Task.WhenAll(starting);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    private string[] _workerSettings = [];

    /// <summary>Starts one more web process; <paramref name="settings"/> come after the cluster's own.</summary>
    public Task<HostProcess> StartWebAsync(params string[] settings) => StartWebCoreAsync(settings);

    public async ValueTask DisposeAsync()
    {
        List<HostProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
        await Redis.DisposeAsync();
    }

    private async Task<HostProcess> StartWebCoreAsync(params string[] settings)
    {
        var web = await HostProcess.StartWebAsync(Redis.ConnectionString, [.. Settings, .. settings]);
        Track(web, Webs);
        return web;
    }

    /// <summary>Starts one more worker process, with the cluster's worker settings and then <paramref name="settings"/>.</summary>
    public Task<HostProcess> StartWorkerAsync(params string[] settings) => StartWorkerCoreAsync(settings);

    private async Task<HostProcess> StartWorkerCoreAsync(params string[] settings)
    {
        var worker = await HostProcess.StartWorkerAsync(Redis.ConnectionString, [.. Settings, .. _workerSettings, .. settings]);
        Track(worker, Workers);
        return worker;
    }

    private void Track(HostProcess process, List<HostProcess> role)
    {
        lock (_processes)
        {
            _processes.Add(process);
            role.Add(process);
        }
    }
}
