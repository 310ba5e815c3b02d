using System.Text.Json;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class CancelTests(SampleFixture sample)
{
    [Fact]
    public async Task Notifications_cancelled_fires_the_handlers_token()
    {
        var client = await sample.NewClientAsync();
        var title = Reports.NewTitle("Cancelled");
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (_, _) =>
        {
            progressed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var requestId = new RequestId("cancel-" + Guid.NewGuid().ToString("N"));
        var parameters = new CallToolRequestParams
        {
            Name = "report",
            Arguments = Reports.Arguments(title).ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value)),
            Meta = new() { ["progressToken"] = "report-progress" },
        };
        using var stop = new CancellationTokenSource();

        // The call is sent with a request id of the test's own, so that notifications/cancelled can name it while the
        // call's response is still streaming (the SDK's client sends its own cancel only once a send has completed).
        var call = client.SendRequestAsync<CallToolRequestParams, CallToolResult>(
            RequestMethods.ToolsCall, parameters, McpJsonUtilities.DefaultOptions, requestId, stop.Token).AsTask();
        await progressed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await client.SendNotificationAsync(NotificationMethods.CancelledNotification,
            new CancelledNotificationParams { RequestId = requestId, Reason = "The user changed their mind." }, McpJsonUtilities.DefaultOptions);

        await WaitForTokenAsync(title);
        Assert.False(call.IsCompletedSuccessfully, "A cancelled call got a result.");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task Dropping_a_call_fires_the_handlers_token_and_caches_nothing()
    {
        var client = await sample.NewClientAsync();
        var title = Reports.NewTitle("Dropped");
        var arguments = Reports.Arguments(title);
        var progress = new ProgressLog();
        using var cancel = new CancellationTokenSource();

        var call = client.CallToolAsync("report", arguments, progress, cancellationToken: cancel.Token).AsTask();
        await progress.First.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await WaitForTokenAsync(title);

        var again = await client.CallToolAsync("report", arguments);

        Assert.Equal("job", Reports.Source(again));
    }

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
