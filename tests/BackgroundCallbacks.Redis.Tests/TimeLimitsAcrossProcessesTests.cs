using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A run's time limit and abandoned-job cancelling through the Redis store, across processes: two web processes and a
/// worker, all with <c>AbandonedJobGrace</c> set (31 s, the least the options allow), on one Redis. Real time: each
/// test waits for what it expects with a deadline.
/// </summary>
public sealed class TimeLimitsAcrossProcessesTests : IAsyncLifetime
{
    private const string Grace = "--BackgroundCallbacks:AbandonedJobGrace=00:00:31";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync(webs: 0, workers: 1, workerSettings: [Grace]);
        await Task.WhenAll(_cluster.StartWebAsync(Grace), _cluster.StartWebAsync(Grace));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_run_past_its_limit_on_the_worker_ends_canceled_with_reason_timeout_for_a_follower_on_another_web_process()
    {
        var (webA, webB) = (_cluster.Webs[0].Address!, _cluster.Webs[1].Address!);
        var worker = _cluster.Workers[0];
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(webA, "time-limited", "time-limited-in", "value", 1);
        var jobId = handle.Split('.')[1];
        await browser.WaitUntilAsync(webB, handle, b => ProtocolClient.SideUpdates(b, "probe").Length > 0, Deadline);

        var ended = await browser.WaitForEndAsync(webB, handle, Deadline);
        await worker.WaitForLineAsync(l => l.StartsWith("FIRED|" + jobId + "|", StringComparison.Ordinal), Deadline);
        var timedOut = await worker.WaitForLineAsync(l => l.StartsWith("LOG|JobTimedOut|", StringComparison.Ordinal) && l.Contains(jobId, StringComparison.Ordinal), Deadline);
        var (_, onA, _) = await browser.PollAsync(webA, handle);

        Assert.Equal("canceled", ended["status"]!.GetValue<string>());
        Assert.Equal("timeout", ended["cancelReason"]!.GetValue<string>());
        Assert.Null(ended["outputs"]);
        Assert.Equal("timeout", onA["cancelReason"]!.GetValue<string>());
        Assert.Contains("time limit of 00:00:02", timedOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_nobody_follows_is_cancelled_as_abandoned_by_one_sweeper_while_a_job_followed_through_the_other_web_process_runs_on()
    {
        var (webA, webB) = (_cluster.Webs[0].Address!, _cluster.Webs[1].Address!);
        var worker = _cluster.Workers[0];
        using var browser = new ProtocolClient();
        var forgotten = await browser.StartAsync(webA, "wait", "wait-in", "value", 1);
        var followed = await browser.StartAsync(webA, "wait", "wait-in", "value", 2);
        var forgottenJob = forgotten.Split('.')[1];
        var followedJob = followed.Split('.')[1];
        var fired = worker.WaitForLineAsync(l => l.StartsWith("FIRED|" + forgottenJob + "|", StringComparison.Ordinal), Deadline);

        // Follow one job through web B with long polls, as the browser client does, until the other's token fired.
        long after = 0;
        while (!fired.IsCompleted)
        {
            var (_, body, _) = await browser.PollAsync(webB, followed, after, 5000);
            Assert.True(body["status"]!.GetValue<string>() is "queued" or "running", body.ToJsonString());
            after = body["version"]!.GetValue<long>();
        }

        await fired;
        var (_, abandoned, _) = await browser.PollAsync(webA, forgotten);
        var (_, stillRunning, _) = await browser.PollAsync(webB, followed);
        var processes = _cluster.Webs.Concat(_cluster.Workers).ToArray();
        var logged = processes.SelectMany(p => p.Lines()).Where(l => l.StartsWith("LOG|JobAbandoned|", StringComparison.Ordinal)).ToArray();

        Assert.Equal("canceled", abandoned["status"]!.GetValue<string>());
        Assert.Equal("abandoned", abandoned["cancelReason"]!.GetValue<string>());
        Assert.Equal("running", stillRunning["status"]!.GetValue<string>());
        Assert.Single(logged, l => l.Contains(forgottenJob, StringComparison.Ordinal));
        Assert.DoesNotContain(logged, l => l.Contains(followedJob, StringComparison.Ordinal));
        await browser.CancelAsync(webB, followed);
    }
}
