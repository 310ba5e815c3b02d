using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class OwnerTests(SampleFixture sample)
{
    [Fact]
    public async Task Anonymous_sessions_are_separate_owners_of_private_results()
    {
        var alice = await sample.NewClientAsync();
        var bob = await sample.NewClientAsync();
        var arguments = Reports.Arguments(Reports.NewTitle("Private"));

        var aliceFirst = await alice.CallToolAsync("report", arguments);
        var aliceAgain = await alice.CallToolAsync("report", arguments);
        var bobFirst = await bob.CallToolAsync("report", arguments);

        Assert.Equal("job", Reports.Source(aliceFirst));
        Assert.Equal("cache", Reports.Source(aliceAgain));
        Assert.Equal("job", Reports.Source(bobFirst));
    }

    [Fact]
    public async Task Shared_results_answer_another_session_from_the_cache()
    {
        var alice = await sample.NewClientAsync();
        var bob = await sample.NewClientAsync();
        var arguments = new Dictionary<string, object?> { ["value"] = Reports.NewTitle("Shared") };

        var aliceFirst = await alice.CallToolAsync("ignore-by-name", arguments);
        var bobFirst = await bob.CallToolAsync("ignore-by-name", arguments);

        Assert.NotEqual("cache", Reports.Source(aliceFirst));
        Assert.Equal("cache", Reports.Source(bobFirst));
    }
}
