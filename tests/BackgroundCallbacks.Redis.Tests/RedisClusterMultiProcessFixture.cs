namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The same small deployment as <see cref="MultiProcessFixture"/>, on a three-shard Redis Cluster.</summary>
public sealed class RedisClusterMultiProcessFixture : MultiProcessFixture
{
    protected override bool OnRedisCluster => true;
}
