using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A concurrency limit and its line across real processes: two web processes, two worker processes, one
/// redis-server. The test host's "limited" callback (MaxRunning = 1) records in Redis the order its runs start in and
/// the most that ever ran at once.
/// </summary>
public sealed class LimitsAcrossProcessesTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private Cluster _cluster = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync(webs: 2, workers: 2);
        _redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {

        await _redis.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private IDatabase Db => _redis.GetDatabase();

    [Fact]
    public async Task A_limit_of_one_holds_across_two_worker_processes_and_waiting_jobs_see_their_position_from_either_web_process()
    {
        var webs = new[] { _cluster.Webs[0].Address!, _cluster.Webs[1].Address! };
        using var browser = await new ProtocolClient().WithSessionAsync(webs[0]);
        var handles = new List<string> { await browser.StartAsync(webs[0], "limited", "limited-in", "value", 0) };
        await UntilAsync(async () => await Db.ListLengthAsync("test:limited:started") == 1);

        // One at a time, so the line's order is the order of admission whichever web process's enqueuer is quicker.
        for (var i = 1; i < 4; i++)
        {
            handles.Add(await browser.StartAsync(webs[i % 2], "limited", "limited-in", "value", i));
            var expected = i;
            await UntilAsync(async () => await Db.SortedSetLengthAsync("bgcb:l:{callback:limited}:w") == expected);
        }

        for (var i = 1; i < 4; i++)
        {
            var view = await browser.WaitUntilAsync(webs[(i + 1) % 2], handles[i], b => b["position"]?.GetValue<long>() == i - 1, Deadline);
            Assert.Equal("queued", view["status"]!.GetValue<string>());
        }

        for (var i = 0; i < 4; i++)
        {
            var n = i;
            await UntilAsync(async () => await Db.ListLengthAsync("test:limited:started") == n + 1);
            await Db.StringSetAsync($"test:gate:limited:{i}", "open");
        }

        var ended = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            ended.Add(await browser.WaitForEndAsync(webs[i % 2], handles[i], Deadline));
        }

        Assert.All(ended, e => Assert.Equal("succeeded", e["status"]!.GetValue<string>()));
        Assert.Equal(["0", "1", "2", "3"], (await Db.ListRangeAsync("test:limited:started")).Select(v => v.ToString()));
        Assert.Equal(1, (int)await Db.StringGetAsync("test:limited:max"));
    }

    [Fact]
    public async Task The_per_owner_cap_counts_the_jobs_a_caller_started_through_another_web_process()
    {
        var capped = await Task.WhenAll(
            _cluster.StartWebAsync("--BackgroundCallbacks:MaxLiveJobsPerOwner=2"),
            _cluster.StartWebAsync("--BackgroundCallbacks:MaxLiveJobsPerOwner=2"));
        await using var one = capped[0];
        await using var other = capped[1];
        using var browser = await new ProtocolClient().WithSessionAsync(one.Address!);
        var first = await browser.StartAsync(one.Address!, "limited", "limited-in", "value", 100);
        var second = await browser.StartAsync(one.Address!, "limited", "limited-in", "value", 101);

        var (refused, body, response) = await browser.InvokeAsync(other.Address!, "limited", "limited-in", "value", 102);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.Equal("too-many-jobs", body["reason"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);

        // Once one has ended, the other process admits the caller again.
        await browser.CancelAsync(other.Address!, first);
        var third = await browser.StartAsync(other.Address!, "limited", "limited-in", "value", 103);
        foreach (var n in new[] { 100, 101, 103 })
        {
            await Db.StringSetAsync($"test:gate:limited:{n}", "open");
        }

        await browser.WaitForEndAsync(one.Address!, second, Deadline);
        await browser.WaitForEndAsync(other.Address!, third, Deadline);
        Assert.DoesNotContain("102", (await Db.ListRangeAsync("test:limited:started")).Select(v => v.ToString()));
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_keeps_its_running_place_and_runs_again_before_the_next_in_line()
    {
        var web = _cluster.Webs[0].Address!;
        using var browser = await new ProtocolClient().WithSessionAsync(web);
        var first = await browser.StartAsync(web, "limited", "limited-in", "value", 200);
        await UntilAsync(async () => await Db.ListLengthAsync("test:limited:started") == 1);
        var next = await browser.StartAsync(web, "limited", "limited-in", "value", 201);
        await browser.WaitUntilAsync(web, next, b => b["position"]?.GetValue<long>() == 0, Deadline);

        var victimPid = (int)await Db.ListGetByIndexAsync("test:limited:pids", 0);
        var victim = _cluster.Workers.Single(w => w.Pid == victimPid);
        victim.Signal(Posix.SigKill);

        // Hangfire hands the killed worker's job to the other worker; the place stays the first job's, so the second
        // still waits behind it.
        await UntilAsync(async () => await Db.ListLengthAsync("test:limited:started") == 2, Cluster.RecoveryBound + Deadline);
        Assert.Equal("200", (await Db.ListGetByIndexAsync("test:limited:started", 1)).ToString());
        Assert.NotEqual(victimPid, (int)await Db.ListGetByIndexAsync("test:limited:pids", 1));
        var waiting = await browser.PollAsync(web, next);
        Assert.Equal("queued", waiting.Body["status"]!.GetValue<string>());

        await Db.StringSetAsync("test:gate:limited:200", "open");
        await UntilAsync(async () => await Db.ListLengthAsync("test:limited:started") == 3);
        Assert.Equal("201", (await Db.ListGetByIndexAsync("test:limited:started", 2)).ToString());
        await Db.StringSetAsync("test:gate:limited:201", "open");
        Assert.Equal("succeeded", (await browser.WaitForEndAsync(web, first, Deadline))["status"]!.GetValue<string>());
        Assert.Equal("succeeded", (await browser.WaitForEndAsync(web, next, Deadline))["status"]!.GetValue<string>());
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Deadline);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }
}
