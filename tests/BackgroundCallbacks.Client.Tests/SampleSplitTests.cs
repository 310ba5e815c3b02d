using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>
/// The README's split deployment, as a user runs it: a real redis-server, the sample's web process with
/// <c>BackgroundCallbacks__RunWorkers=false</c>, and the sample's worker process (samples/BackgroundCallbacks.Sample.Worker).
/// </summary>
public sealed class SampleSplitTests
{
    [Fact]
    public async Task A_job_invoked_on_the_web_process_runs_on_the_sample_worker_process_with_progress_and_result()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string> { ["ConnectionStrings__redis"] = redis.ConnectionString };
        await using var web = await SampleServer.StartAsync(new Dictionary<string, string>(settings) { ["BackgroundCallbacks__RunWorkers"] = "false" });
        await using var worker = await SampleServer.StartWorkerAsync(settings);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        var client = new BackgroundCallbacksClient(http, new BackgroundCallbacksClientOptions { BaseAddress = web.Address });

        var invocation = await client.InvokeAsync("progress", [1]);
        Assert.Equal(HttpStatusCode.Accepted, invocation.StatusCode);
        var updates = new List<JobUpdate>();
        await foreach (var update in invocation.FollowAsync())
        {
            updates.Add(update);
        }

        var last = updates[^1];
        Assert.True(last.Status == JobStatus.Succeeded, $"{last.Status} {last.Error}; web: {web.RecentOutput}; worker: {worker.RecentOutput}");
        Assert.Equal("Clicked 1 times", last.GetOutput<string>("progress-paragraph", "children"));
        Assert.Contains(updates, u => u.Progress is { Count: > 0 } progress && progress[0].GetValue<string>() == "10");
    }
}
