namespace BackgroundCallbacks.Redis.Tests;

/// <summary><see cref="SharedJobsAcrossProcessesScenarios"/> on one redis-server.</summary>
public sealed class SharedJobsAcrossProcessesTests(MultiProcessFixture fixture, ITestOutputHelper output)
    : SharedJobsAcrossProcessesScenarios(fixture, output), IClassFixture<MultiProcessFixture>;
