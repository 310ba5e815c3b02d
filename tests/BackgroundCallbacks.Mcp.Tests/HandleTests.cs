using System.Text.Json;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>A call past the call time answers with a handle that job_result and job_cancel take, for its owner only.</summary>
[Collection(HandleCollection.Name)]
public sealed class HandleTests(HandleSampleFixture sample)
{
    [Fact]
    public async Task A_call_past_the_call_time_returns_a_handle_the_owner_reads_running_then_done()
    {
        var client = await sample.NewClientAsync();
        var title = Reports.NewTitle("Handle");

        var call = await client.CallToolAsync("report", Reports.Arguments(title));
        var handle = HandleOf(call);
        var running = await client.CallToolAsync("job_result", new Dictionary<string, object?> { ["handle"] = handle });
        var done = await ReadUntilEndedAsync(client, handle);

        Assert.NotEqual(true, call.IsError);
        Assert.Contains(Status(call), new[] { "queued", "running" });
        Assert.Contains("job_result", Reports.Text(call));
        Assert.NotEqual(true, running.IsError);
        Assert.Contains(Status(running), new[] { "queued", "running" });
        Assert.Equal(handle, running.StructuredContent!.Value.GetProperty("handle").GetString());
        Assert.NotEqual(true, done.IsError);
        Assert.Contains(title, done.StructuredContent!.Value.GetProperty("report-result.children").GetString());
    }

    [Fact]
    public async Task Another_session_gets_not_found_for_read_and_cancel()
    {
        var owner = await sample.NewClientAsync();
        var other = await sample.NewClientAsync();
        var title = Reports.NewTitle("Foreign");
        var handle = HandleOf(await owner.CallToolAsync("report", Reports.Arguments(title)));
        var arguments = new Dictionary<string, object?> { ["handle"] = handle };

        var read = await other.CallToolAsync("job_result", arguments);
        var cancel = await other.CallToolAsync("job_cancel", arguments);
        var done = await ReadUntilEndedAsync(owner, handle);

        Assert.True(read.IsError);
        Assert.Equal("not-found", Reason(read));
        Assert.True(cancel.IsError);
        Assert.Equal("not-found", Reason(cancel));
        Assert.NotEqual(true, done.IsError);
        Assert.DoesNotContain($"Report '{title}' stopped", sample.Server.RecentOutput);
    }

    [Fact]
    public async Task The_cancel_tool_cancels_the_job_and_the_handlers_token_fires()
    {
        var client = await sample.NewClientAsync();
        var title = Reports.NewTitle("CancelHandle");
        var handle = HandleOf(await client.CallToolAsync("report", Reports.Arguments(title)));
        var arguments = new Dictionary<string, object?> { ["handle"] = handle };

        var cancel = await client.CallToolAsync("job_cancel", arguments);
        await WaitForTokenAsync(title);
        var read = await client.CallToolAsync("job_result", arguments);

        Assert.NotEqual(true, cancel.IsError);
        Assert.Equal("canceled", cancel.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.True(read.IsError);
        Assert.Equal("canceled", Reason(read));
    }

    [Fact]
    public async Task An_unknown_handle_is_not_found()
    {
        var client = await sample.NewClientAsync();
        var arguments = new Dictionary<string, object?> { ["handle"] = "no-such-handle-" + Guid.NewGuid().ToString("N") };

        var read = await client.CallToolAsync("job_result", arguments);
        var cancel = await client.CallToolAsync("job_cancel", arguments);

        Assert.True(read.IsError);
        Assert.Equal("not-found", Reason(read));
        Assert.True(cancel.IsError);
        Assert.Equal("not-found", Reason(cancel));
        Assert.Equal(Reports.Text(read), Reports.Text(cancel));
    }

    [Fact]
    public async Task The_handle_tools_are_listed()
    {
        var client = await sample.NewClientAsync();

        var tools = await client.ListToolsAsync();

        var result = Assert.Single(tools, t => t.Name == "job_result");
        Assert.Single(tools, t => t.Name == "job_cancel");
        Assert.Equal("handle", result.JsonSchema.GetProperty("required")[0].GetString());
    }

    private static async Task<CallToolResult> ReadUntilEndedAsync(McpClient client, string handle)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var read = await client.CallToolAsync("job_result", new Dictionary<string, object?> { ["handle"] = handle, ["wait_seconds"] = 5 });
            if (read.IsError == true || Status(read) is null)
            {
                return read;
            }

            Assert.True(DateTime.UtcNow < deadline, "The job did not end.");
        }
    }

    private static string HandleOf(CallToolResult call)
    {
        Assert.NotEqual(true, call.IsError);
        var handle = call.StructuredContent!.Value.GetProperty("handle").GetString();
        Assert.False(string.IsNullOrEmpty(handle));
        return handle!;
    }

    private static string? Status(CallToolResult result) =>
        result.StructuredContent is { } s && s.TryGetProperty("status", out var status) ? status.GetString() : null;

    private static string? Reason(CallToolResult result) => result.Meta?["backgroundcallbacks"]?["reason"]?.GetValue<string>();

    /// <summary>The sample's report handler says on the console when its token fired.</summary>
    private async Task WaitForTokenAsync(string title)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!sample.Server.RecentOutput.Contains($"Report '{title}' stopped: its cancellation token fired"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The handler's token did not fire. Output:\n" + sample.Server.RecentOutput);
            await Task.Delay(50);
        }
    }
}
