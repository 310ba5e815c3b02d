using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Two web processes (no workers) and one worker process sharing one Redis, as a small deployment.</summary>
public class MultiProcessFixture : IAsyncLifetime
{
    /// <summary>Whether the processes share a three-shard Redis Cluster instead of one redis-server.</summary>
    protected virtual bool OnRedisCluster => false;

    public Cluster Cluster { get; private set; } = null!;

    public HostProcess WebA => Cluster.Webs[0];

    public HostProcess WebB => Cluster.Webs[1];

    public HostProcess Worker => Cluster.Workers[0];

    /// <summary>The test's own connection to the deployment's Redis (cluster-aware when it is a cluster).</summary>
    public IDatabase Db => _inspector!.GetDatabase();

    private ConnectionMultiplexer? _inspector;

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(webs: 2, workers: 1, onRedisCluster: OnRedisCluster);
        _inspector = await ConnectionMultiplexer.ConnectAsync(Cluster.Redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    /// <summary>Stops web A gracefully and starts a new web process in its place.</summary>
    public async Task RestartWebAAsync()
    {
        var old = WebA;
        await old.StopAsync(TimeSpan.FromSeconds(15));
        Cluster.Webs.Remove(old);
        var fresh = await Cluster.StartWebAsync();
        Cluster.Webs.Remove(fresh);
        Cluster.Webs.Insert(0, fresh);
    }
}
