using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Two web processes (no workers) and one worker process sharing one Redis, as a small deployment.</summary>
public sealed class MultiProcessFixture : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public HostProcess WebA => Cluster.Webs[0];

    public HostProcess WebB => Cluster.Webs[1];

    public HostProcess Worker => Cluster.Workers[0];

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(webs: 2, workers: 1);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

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
