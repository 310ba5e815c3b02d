namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>A Redis a test deployment runs on: one server (<see cref="RedisServer"/>) or a cluster of them (<see cref="RedisCluster"/>).</summary>
public interface ITestRedis : IAsyncDisposable
{
    /// <summary>The StackExchange.Redis configuration string the processes are given.</summary>
    string ConnectionString { get; }
}
