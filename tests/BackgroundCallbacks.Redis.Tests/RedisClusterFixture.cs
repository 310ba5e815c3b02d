using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>One three-shard Redis Cluster for a test class whose tests keep apart by their key prefixes.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisCluster Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}
