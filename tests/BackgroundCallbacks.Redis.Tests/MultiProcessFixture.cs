using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Two web processes (no workers) and one worker process sharing one Redis, as a small deployment.</summary>
public sealed class MultiProcessFixture : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public HostProcess WebA => Cluster.Webs[0];

    public HostProcess WebB => Cluster.Webs[1];

    public HostProcess Worker => Cluster.Workers[0];

    /// <summary>The test's own connection to the cluster's Redis.</summary>
    public IDatabase Db => _inspector!.GetDatabase();

    private ConnectionMultiplexer? _inspector;

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(webs: 2, workers: 1);
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
