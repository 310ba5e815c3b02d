using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>A call waits for its job up to McpCallbacksOptions.CallTimeout; past it the call answers with a handle and the job goes on.</summary>
public sealed class CallTimeoutTests
{
    [Fact]
    public async Task A_call_whose_job_outlasts_the_call_timeout_returns_a_handle_and_the_job_goes_on()
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
        var handle = first.StructuredContent!.Value.GetProperty("handle").GetString();
        var waiting = await client.CallToolAsync("job_result", new Dictionary<string, object?> { ["handle"] = handle });
        release.SetResult();
        var read = await ReadUntilEndedAsync(client, handle!);

        // Asked again once the job has ended, the same question is answered from the cache the job filled.
        var second = await client.CallToolAsync("slow", arguments);

        Assert.NotEqual(true, first.IsError);
        Assert.Contains(first.StructuredContent!.Value.GetProperty("status").GetString(), new[] { "queued", "running" });
        Assert.Contains("job_result", Reports.Text(first));
        Assert.Equal("running", waiting.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.NotEqual(true, second.IsError);
        Assert.Equal("cache", Reports.Source(second));
        Assert.Equal("later", second.StructuredContent!.Value.GetProperty("out.children").GetString());
        Assert.NotEqual(true, read.IsError);
        Assert.Equal("later", read.StructuredContent!.Value.GetProperty("out.children").GetString());
    }

    /// <summary>Reads the handle until the job has ended, each read waiting up to the server's call time.</summary>
    private static async Task<ModelContextProtocol.Protocol.CallToolResult> ReadUntilEndedAsync(ModelContextProtocol.Client.McpClient client, string handle)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var read = await client.CallToolAsync("job_result", new Dictionary<string, object?> { ["handle"] = handle, ["wait_seconds"] = 1 }, cancellationToken: deadline.Token);
            if (read.StructuredContent?.TryGetProperty("status", out var status) != true || status.GetString() is not ("queued" or "running"))
            {
                return read;
            }
        }
    }
}
