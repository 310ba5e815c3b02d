namespace BackgroundCallbacks.Redis.Tests;

/// <summary><see cref="MultiProcessScenarios"/> on a three-shard Redis Cluster: a job's keys in its slot, cached results spread by their keys, Hangfire's storage on one shard.</summary>
public sealed class MultiProcessOnRedisClusterTests(RedisClusterMultiProcessFixture fixture, ITestOutputHelper output)
    : MultiProcessScenarios(fixture, output), IClassFixture<RedisClusterMultiProcessFixture>;
