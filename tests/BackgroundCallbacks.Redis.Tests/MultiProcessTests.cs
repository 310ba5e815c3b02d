namespace BackgroundCallbacks.Redis.Tests;

/// <summary><see cref="MultiProcessScenarios"/> on one redis-server.</summary>
public sealed class MultiProcessTests(MultiProcessFixture fixture, ITestOutputHelper output)
    : MultiProcessScenarios(fixture, output), IClassFixture<MultiProcessFixture>;
