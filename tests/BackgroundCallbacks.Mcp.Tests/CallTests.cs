using System.Text.Json;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class CallTests(SampleFixture sample)
{
    [Fact]
    public async Task A_call_returns_the_outputs_as_structured_content_and_text()
    {
        var client = await sample.NewClientAsync();
        var title = Reports.NewTitle("Outputs");

        var result = await client.CallToolAsync("report", Reports.Arguments(title));

        Assert.NotEqual(true, result.IsError);
        var expected = $"{title}: detailed report of 31 days, 2026-01-01 to 2026-01-31";
        Assert.Equal(expected, result.StructuredContent!.Value.GetProperty("report-result.children").GetString());
        Assert.Equal("report-result.children: " + expected, Reports.Text(result));
    }

    [Fact]
    public async Task A_second_identical_call_is_answered_from_the_cache_without_a_job()
    {
        var client = await sample.NewClientAsync();
        var arguments = Reports.Arguments(Reports.NewTitle("Cached"));

        var first = await client.CallToolAsync("report", arguments);
        var progress = new ProgressLog();
        var second = await client.CallToolAsync("report", arguments, progress);

        Assert.Equal("job", Reports.Source(first));
        Assert.Equal("cache", Reports.Source(second));
        Assert.Empty(progress.Values);
        Assert.Equal(first.StructuredContent!.Value.GetRawText(), second.StructuredContent!.Value.GetRawText());
    }

    [Fact]
    public async Task A_click_only_callback_runs_with_the_call_as_its_click()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("basic");

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Clicked 1 times", result.StructuredContent!.Value.GetProperty("basic-paragraph.children").GetString());
    }

    [Fact]
    public async Task MATCH_and_state_arguments_reach_the_handler()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("row", new Dictionary<string, object?> { ["index"] = 7, ["size"] = 40 });

        Assert.Equal("Row 7: processed 40 items (run 1)", result.StructuredContent!.Value.GetProperty("row-result.children").GetString());
    }

    [Fact]
    public async Task ALL_arguments_reach_the_handler_with_their_ids()
    {
        var client = await sample.NewClientAsync();
        var sizes = new[]
        {
            new Dictionary<string, object?> { ["id"] = new Dictionary<string, object?> { ["index"] = 1 }, ["value"] = 3 },
            new Dictionary<string, object?> { ["id"] = new Dictionary<string, object?> { ["index"] = 2 }, ["value"] = 9 },
        };

        var result = await client.CallToolAsync("rows-total", new Dictionary<string, object?> { ["sizes"] = sizes });

        Assert.Equal("2 rows, 12 items in all; the largest is row 2", result.StructuredContent!.Value.GetProperty("rows-total.children").GetString());
    }

    [Fact]
    public async Task A_failed_handler_is_an_error_result_with_the_message_HTTP_gives()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("failing");

        Assert.True(result.IsError);
        // The sample runs in Development, where the message is the exception's (HTTP shows the same).
        Assert.Contains("its data source is offline", Reports.Text(result));
    }
}
