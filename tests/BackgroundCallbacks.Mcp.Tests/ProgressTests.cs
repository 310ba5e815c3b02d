using System.Globalization;
using System.Text.Json;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>
/// Every progress report of a job reaches the client as notifications/progress, in order, before the result. The
/// stream is read off the wire (<see cref="WireClient"/>): the SDK's client may hand notifications to an IProgress out
/// of order and after the call returned.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ProgressTests(SampleFixture sample)
{
    [Fact]
    public async Task Every_progress_report_arrives_in_order_with_a_growing_counter_before_the_result()
    {
        using var client = await WireClient.ConnectAsync(new Uri(sample.Server.Address, "/mcp"));

        var messages = await client.CallToolAsync("report", Reports.Arguments(Reports.NewTitle("Progress")), "report-progress");
        var progress = WireClient.Progress(messages);

        Assert.False(IsError(messages[^1]));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"Step {i} of 8"), progress.Select(p => p.GetProperty("message").GetString()));
        Assert.All(progress, p => Assert.Equal("report-progress", p.GetProperty("progressToken").GetString()));
        AssertGrowing(progress);
    }

    [Fact]
    public async Task Reports_made_back_to_back_all_arrive_in_order_before_the_result()
    {
        const int steps = 40;
        await using var app = await InProcessApp.StartAsync(
            b => b.MapBackgroundCallback("burst", (int? n, IProgress<int> progress) =>
                {
                    // No pause between reports: the writer batches them and one read of the follower brings several.
                    for (var step = 1; step <= steps; step++)
                    {
                        progress.Report(step);
                    }

                    return "done";
                })
                .Output("out", "children").Input("in", "value").Progress("bar", "value"),
            o => o.Callbacks.Add("burst"));
        using var client = await WireClient.ConnectAsync(new Uri(app.Address, "/mcp"));

        var messages = await client.CallToolAsync("burst", new Dictionary<string, object?> { ["n"] = 1 }, "burst-progress");
        var progress = WireClient.Progress(messages);

        Assert.False(IsError(messages[^1]));
        Assert.Equal(Enumerable.Range(1, steps).Select(i => i.ToString(CultureInfo.InvariantCulture)), progress.Select(p => p.GetProperty("message").GetString()));
        AssertGrowing(progress);
    }

    private static bool IsError(JsonElement response) =>
        response.GetProperty("result").TryGetProperty("isError", out var error) && error.GetBoolean();

    private static void AssertGrowing(IReadOnlyList<JsonElement> progress) =>
        Assert.All(progress.Zip(progress.Skip(1)), pair => Assert.True(pair.Second.GetProperty("progress").GetDouble() > pair.First.GetProperty("progress").GetDouble()));
}
