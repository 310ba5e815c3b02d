using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A success's cache entry goes out back to back with the job's completion (no await between) only where Redis runs
/// them in the order sent: results and jobs on one connection to one server. Elsewhere the runner awaits the entry first.
/// </summary>
public sealed class CompletionOrderTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Cache_entry_and_completion_are_sent_back_to_back_only_when_results_share_the_jobs_connection()
    {
        await using var shared = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var separate = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.ResultsConnectionString = fixture.Redis.ConnectionString + ",name=results");
        var beforeConnecting = shared.Backend.WritesInOrder;

        await shared.Jobs.GetSlotAsync("probe", CancellationToken.None);
        await separate.Jobs.GetSlotAsync("probe", CancellationToken.None);
        await separate.Results.GetAsync("probe", TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.False(beforeConnecting);
        Assert.True(shared.Backend.WritesInOrder);
        Assert.False(separate.Backend.WritesInOrder);
    }
}
