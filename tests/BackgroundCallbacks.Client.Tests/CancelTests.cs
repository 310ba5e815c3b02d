using System.Net;
using BackgroundCallbacks.Client.Tests.Infrastructure;

namespace BackgroundCallbacks.Client.Tests;

[Collection(SampleCollection.Name)]
public sealed class CancelTests(SampleFixture sample)
{
    [Fact]
    public async Task Cancel_ends_the_handle_canceled_at_once()
    {
        var invocation = await sample.NewClient().InvokeAsync("cancel", [1]);
        Assert.Equal(HttpStatusCode.Accepted, invocation.StatusCode);

        var canceled = await invocation.CancelAsync();

        Assert.Equal(JobStatus.Canceled, canceled.Status);
        Assert.Equal("requested", canceled.CancelReason);
        var final = await invocation.GetResultAsync();
        Assert.Equal(JobStatus.Canceled, final.Status);
        Assert.Null(final.Outputs);
        // Repeating it is harmless.
        Assert.Equal(JobStatus.Canceled, (await invocation.CancelAsync()).Status);
    }

    [Fact]
    public async Task Stopping_a_follow_leaves_the_job_running()
    {
        var client = sample.NewClient();
        var invocation = await client.InvokeAsync("progress", [1]);

        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in invocation.FollowAsync(stop.Token))
            {
                stop.Cancel();
            }
        });

        Assert.Equal(JobStatus.Succeeded, (await invocation.GetResultAsync()).Status);
    }
}
