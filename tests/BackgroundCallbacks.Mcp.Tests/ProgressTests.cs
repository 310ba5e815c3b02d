using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class ProgressTests(SampleFixture sample)
{
    [Fact]
    public async Task Every_progress_report_arrives_in_order_with_a_growing_counter_before_the_result()
    {
        var client = await sample.NewClientAsync();
        var progress = new ProgressLog();

        var result = await client.CallToolAsync("report", Reports.Arguments(Reports.NewTitle("Progress")), progress);
        var seenAtResult = progress.Values;

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"Step {i} of 8"), seenAtResult.Select(v => v.Message));
        Assert.All(seenAtResult.Zip(seenAtResult.Skip(1)), pair => Assert.True(pair.Second.Progress > pair.First.Progress));
    }
}
