using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>A call waits for its job up to McpCallbacksOptions.CallTimeout; past it the job goes on without the call.</summary>
public sealed class CallTimeoutTests
{
    [Fact]
    public async Task A_call_whose_job_outlasts_the_call_timeout_says_the_job_goes_on()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await InProcessApp.StartAsync(b => b
            .MapBackgroundCallback("slow", async (string? text, CancellationToken ct) =>
            {
                started.TrySetResult();
                await release.Task.WaitAsync(ct);
                return text;
            })
            .Output("out", "children").Input("text", "value")
            .Configure(a => a.CacheBy = [BuiltInCacheBy.LaunchId]),
            o =>
            {
                o.Callbacks.Add("slow");
                o.CallTimeout = TimeSpan.FromSeconds(1);
            });
        var client = await app.NewClientAsync();
        var arguments = new Dictionary<string, object?> { ["text"] = "later" };

        var first = await client.CallToolAsync("slow", arguments);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        release.SetResult();
        var second = await client.CallToolAsync("slow", arguments);

        Assert.True(first.IsError);
        Assert.Equal("still-running", first.Meta?["backgroundcallbacks"]?["reason"]?.GetValue<string>());
        Assert.Contains("Call the tool again with the same arguments", Reports.Text(first));
        Assert.NotEqual(true, second.IsError);
        Assert.Contains(Reports.Source(second), new[] { "joined", "cache" });
        Assert.Equal("later", second.StructuredContent!.Value.GetProperty("out.children").GetString());
    }
}
