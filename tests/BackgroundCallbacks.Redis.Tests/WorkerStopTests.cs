using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A worker stopped gracefully (SIGTERM, as a deployment or scale-in does) puts its running jobs back in the queue:
/// another worker runs them and the client sees one success. One web process and two workers on one Redis.
/// </summary>
public sealed class WorkerStopTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(webs: 1, workers: 2, workerSettings: ["--TestHost:WorkMs=4000"]);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_job_of_a_worker_stopped_with_SIGTERM_runs_again_on_another_worker_and_its_client_sees_one_success()
    {
        var web = _cluster.Webs[0].Address!;
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(web, "work", "work-in", "value", 1);
        var running = await browser.WaitUntilAsync(web, handle, b => ProtocolClient.SideUpdates(b, "worker").Length > 0, TimeSpan.FromSeconds(30));
        var first = ProtocolClient.SideUpdates(running, "worker")[0]["pid"]!.GetValue<int>();
        var stopped = _cluster.Workers.Single(w => w.Pid == first);
        var survivor = _cluster.Workers.Single(w => w.Pid != first);

        // Follow the job while the worker stops, keeping every status the client is shown.
        var statuses = new List<string>();
        var following = browser.WaitUntilAsync(web, handle, b =>
        {
            statuses.Add(b["status"]!.GetValue<string>());
            return b["status"]!.GetValue<string>() is "succeeded" or "failed" or "canceled";
        }, TimeSpan.FromSeconds(60));
        await stopped.StopAsync(TimeSpan.FromSeconds(30));
        var done = await following;
        output.WriteLine("Statuses seen: " + string.Join(", ", statuses));

        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains(stopped.Lines(), l => l.StartsWith("LOG|JobInterrupted|", StringComparison.Ordinal) && l.Contains(handle.Split('.')[1], StringComparison.Ordinal));
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal(survivor.Pid.ToString(), ProtocolClient.Value(done, "work-out", "children")!.GetValue<string>());
        Assert.DoesNotContain("failed", statuses);
        Assert.DoesNotContain("canceled", statuses);
        Assert.Single(statuses, s => s == "succeeded");
    }
}
