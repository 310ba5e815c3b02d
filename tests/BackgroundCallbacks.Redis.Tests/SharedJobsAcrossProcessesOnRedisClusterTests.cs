namespace BackgroundCallbacks.Redis.Tests;

/// <summary><see cref="SharedJobsAcrossProcessesScenarios"/> on a three-shard Redis Cluster, where a joined job's index entry and its keys must share a slot.</summary>
public sealed class SharedJobsAcrossProcessesOnRedisClusterTests(RedisClusterMultiProcessFixture fixture, ITestOutputHelper output)
    : SharedJobsAcrossProcessesScenarios(fixture, output), IClassFixture<RedisClusterMultiProcessFixture>;
