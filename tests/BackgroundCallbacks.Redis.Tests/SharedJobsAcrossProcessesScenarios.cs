using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Jobs with followers across real processes: two web processes (no workers) and one worker on one Redis (a server or a
/// cluster, as the subclass picks). The counting callbacks of the test host count their runs in Redis and wait for a
/// gate the test opens there.
/// </summary>
public abstract class SharedJobsAcrossProcessesScenarios(MultiProcessFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_hundred_identical_invocations_from_a_hundred_sessions_over_two_web_processes_run_the_handler_once()
    {
        var n = Random.Shared.Next();
        var webs = new[] { fixture.WebA.Address!, fixture.WebB.Address! };
        var browsers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => new ProtocolClient().WithSessionAsync(webs[i % 2])));

        // The handler holds on the gate until every POST has been answered: no answer can be a cache hit.
        var answers = await Task.WhenAll(browsers.Select((b, i) => b.InvokeAsync(webs[i % 2], "gated-shared", "gated-in", "value", n)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        await Db.StringSetAsync($"test:gate:gated-shared:{n}", "open");
        var ended = await Task.WhenAll(browsers.Select((b, i) => b.WaitForEndAsync(webs[(i + 1) % 2], answers[i].Body["handle"]!.GetValue<string>(), JobTimeout)));

        Assert.Equal(1, (int)await Db.StringGetAsync($"test:runs:gated-shared:{n}"));
        Assert.All(ended, e => Assert.Equal($"gated-shared {n}", ProtocolClient.Value(e, "gated-out", "children")!.GetValue<string>()));
        Assert.Single(answers.Select(a => a.Body["handle"]!.GetValue<string>().Split('.')[1]).Distinct());
        foreach (var browser in browsers)
        {
            browser.Dispose();
        }
    }

    [Fact]
    public async Task With_private_results_identical_invocations_over_two_web_processes_run_once_per_owner()
    {
        var n = Random.Shared.Next();
        var webs = new[] { fixture.WebA.Address!, fixture.WebB.Address! };
        var owners = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => new ProtocolClient().WithSessionAsync(webs[0])));
        var calls = owners.SelectMany(o => Enumerable.Range(0, 10).Select(i => (Owner: o, Web: webs[i % 2]))).ToArray();

        var answers = await Task.WhenAll(calls.Select(c => c.Owner.InvokeAsync(c.Web, "gated-private", "gated-in", "value", n)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        await Db.StringSetAsync($"test:gate:gated-private:{n}", "open");
        await Task.WhenAll(calls.Select((c, i) => c.Owner.WaitForEndAsync(c.Web, answers[i].Body["handle"]!.GetValue<string>(), JobTimeout)));

        Assert.Equal(10, (int)await Db.StringGetAsync($"test:runs:gated-private:{n}"));
        Assert.Equal(10, answers.Select(a => a.Body["handle"]!.GetValue<string>().Split('.')[1]).Distinct().Count());
        foreach (var owner in owners)
        {
            owner.Dispose();
        }
    }

    [Fact]
    public async Task A_job_admitted_by_a_web_process_killed_before_it_queued_the_job_still_runs_exactly_once()
    {
        var n = Random.Shared.Next();
        await Db.StringSetAsync($"test:gate:gated-private:{n}", "open");
        await using var doomed = await fixture.Cluster.StartWebAsync("--TestHost:StallEnqueue=true");
        using var browser = new ProtocolClient();

        var handle = await browser.StartAsync(doomed.Address!, "gated-private", "gated-in", "value", n);
        await doomed.WaitForLineAsync(l => l.StartsWith("STALLED|", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        doomed.Signal(Posix.SigKill);
        var done = await browser.WaitForEndAsync(fixture.WebA.Address!, handle, JobTimeout);

        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal(1, (int)await Db.StringGetAsync($"test:runs:gated-private:{n}"));
        // Any surviving process's sweeper may have found the admission.
        var survivors = fixture.Cluster.Webs.Concat(fixture.Cluster.Workers).Where(p => p != doomed);
        var recovered = survivors.SelectMany(p => p.Lines()).Where(l => l.StartsWith("LOG|AdmissionRecovered|", StringComparison.Ordinal)).ToArray();
        output.WriteLine(string.Join('\n', recovered));
        Assert.Contains(recovered, l => l.Contains(handle.Split('.')[1], StringComparison.Ordinal));
    }

    private IDatabase Db => fixture.Db;
}
