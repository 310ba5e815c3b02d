using System.Net;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Jobs with followers on the embedded default: identical invocations share one run, a cancel or a supersede detaches
/// one follower, and the job's token fires when the last one has left.
/// </summary>
public class SharedJobTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task A_hundred_identical_invocations_from_a_hundred_sessions_of_a_shared_result_callback_run_the_handler_once()
    {
        var gate = new Gate();
        var runs = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", async (int? n) => { Interlocked.Increment(ref runs); await gate.PassAsync(); return $"report {n}"; })
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        var clients = Enumerable.Range(0, 100).Select(_ => app.NewClient()).ToArray();

        // Every POST is answered while the handler is held, so none of them can be a cache hit.
        var answers = await Task.WhenAll(clients.Select(c => c.InvokeAsync("report", In(7))));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Response.StatusCode));
        gate.Open();
        var ended = await Task.WhenAll(clients.Select((c, i) => c.WaitForEndAsync(answers[i].Body["handle"].Str()!)));

        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.All(ended, e => Assert.Equal("report 7", CallbackClient.Output(e, "out", "children").Str()));
        Assert.Equal(99, answers.Count(a => a.Body["joined"]!.GetValue<bool>()));
        Assert.Single(answers.Select(a => CallbackClient.JobId(a.Body["handle"].Str()!)).Distinct());
        Assert.Equal(100, answers.Select(a => a.Body["handle"].Str()).Distinct().Count());
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task With_private_results_identical_invocations_run_once_per_owner()
    {
        var gate = new Gate();
        var runs = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("mine", async (int? n) => { Interlocked.Increment(ref runs); await gate.PassAsync(); return n; })
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.CacheBy = []));
        var owners = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.NewClient().WithSessionAsync()));
        var tabs = owners.SelectMany(o => Enumerable.Range(0, 10).Select(t => o.ForPage("tab" + t))).ToArray();

        var answers = await Task.WhenAll(tabs.Select(t => t.InvokeAsync("mine", In(1))));
        gate.Open();
        await Task.WhenAll(tabs.Select((t, i) => t.WaitForEndAsync(answers[i].Body["handle"].Str()!)));

        Assert.Equal(10, Volatile.Read(ref runs));
        Assert.Equal(10, answers.Select(a => CallbackClient.JobId(a.Body["handle"].Str()!)).Distinct().Count());
        foreach (var owner in owners)
        {
            owner.Dispose();
        }
    }

    [Fact]
    public async Task An_uncached_callback_runs_once_per_invocation()
    {
        var gate = new Gate();
        var runs = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("effect", async (int? n) => { Interlocked.Increment(ref runs); await gate.PassAsync(); return n; })
            .Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();

        var handles = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.StartAsync("effect", In(1))));
        gate.Open();
        await Task.WhenAll(handles.Select(h => client.WaitForEndAsync(h)));

        Assert.Equal(5, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task A_followers_cancel_leaves_the_job_running_for_the_others_and_the_last_ones_fires_the_token()
    {
        var gate = new Gate();
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", async (int? n, CancellationToken ct) =>
            {
                try
                {
                    await gate.PassAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    tokenFired.TrySetResult();
                    throw;
                }

                return n;
            })
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        using var a = app.NewClient();
        using var b = app.NewClient();
        using var c = app.NewClient();
        var ha = await a.StartAsync("report", In(1));
        await gate.WaitReachedAsync();
        var hb = await b.StartAsync("report", In(1));
        var hc = await c.StartAsync("report", In(1));

        var (_, aLeft) = await a.CancelAsync(ha);
        var (_, bLeft) = await b.CancelAsync(hb);
        var (_, cStill) = await c.PollAsync(hc);
        Assert.False(tokenFired.Task.IsCompleted);
        var (_, cLeft) = await c.CancelAsync(hc);
        await tokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("canceled", aLeft.Status());
        Assert.Equal("requested", aLeft["cancelReason"].Str());
        Assert.Equal("canceled", bLeft.Status());
        Assert.Equal("running", cStill.Status());
        Assert.Equal("canceled", cLeft.Status());
        Assert.Equal("canceled", (await a.WaitForEndAsync(ha)).Status());
    }

    [Fact]
    public async Task A_superseded_follower_leaves_the_job_to_the_rest()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", async (int? n, CancellationToken ct) => { if (n == 1) await gate.PassAsync(ct); return $"report {n}"; })
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        using var browser = app.NewClient();
        using var tab = browser.ForPage("tab");
        using var other = app.NewClient();
        var mine = await tab.StartAsync("report", In(1));
        await gate.WaitReachedAsync();
        var theirs = await other.StartAsync("report", In(1));

        var next = await tab.StartAsync("report", In(2));
        var (_, superseded) = await tab.PollAsync(mine);
        gate.Open();

        Assert.Equal("canceled", superseded.Status());
        Assert.Equal("superseded", superseded["cancelReason"].Str());
        Assert.Equal("report 1", CallbackClient.Output(await other.WaitForEndAsync(theirs), "out", "children").Str());
        Assert.Equal("report 2", CallbackClient.Output(await tab.WaitForEndAsync(next), "out", "children").Str());
    }

    [Fact]
    public async Task Two_pages_of_one_session_run_independently_and_the_same_page_supersedes_its_own()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("search", async (string? q, CancellationToken ct) => { await gate.PassAsync(ct); return q; })
            .Output("out", "children").Input("in", "value"));
        using var browser = app.NewClient();
        using var tabA = browser.ForPage("tab-a");
        using var tabB = browser.ForPage("tab-b");

        var a1 = await tabA.StartAsync("search", In("a"));
        var b1 = await tabB.StartAsync("search", In("b"));
        var a2 = await tabA.StartAsync("search", In("aa"));
        gate.Open();

        var a1Ended = await tabA.WaitForEndAsync(a1);
        Assert.Equal("canceled", a1Ended.Status());
        Assert.Equal("superseded", a1Ended["cancelReason"].Str());
        Assert.Equal("b", CallbackClient.Output(await tabB.WaitForEndAsync(b1), "out", "children").Str());
        Assert.Equal("aa", CallbackClient.Output(await tabA.WaitForEndAsync(a2), "out", "children").Str());
    }

    [Fact]
    public async Task An_invocation_without_a_page_supersedes_nothing()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("search", async (string? q, CancellationToken ct) => { await gate.PassAsync(ct); return q; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var first = await client.StartAsync("search", In("one"));
        var second = await client.StartAsync("search", In("two"));
        gate.Open();

        Assert.Equal("one", CallbackClient.Output(await client.WaitForEndAsync(first), "out", "children").Str());
        Assert.Equal("two", CallbackClient.Output(await client.WaitForEndAsync(second), "out", "children").Str());
    }

    [Fact]
    public async Task A_follower_that_joins_mid_run_gets_the_progress_and_side_updates_reported_before_it_came()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", async (int? n, IProgress<int> progress, CallbackContext context) =>
            {
                progress.Report(3);
                context.SetProps("log", new { children = "step one" });
                await gate.PassAsync();
                return n;
            })
            .Output("out", "children").Input("in", "value").Progress("bar", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        using var first = app.NewClient();
        using var late = app.NewClient();
        var firstHandle = await first.StartAsync("report", In(1));
        await first.WaitUntilAsync(firstHandle, b => b["sideUpdates"]!.AsArray().Count > 0);

        var (response, accepted) = await late.InvokeAsync("report", In(1));
        var (_, seen) = await late.PollAsync(accepted["handle"].Str()!, accepted.Version());
        gate.Open();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(accepted["joined"]!.GetValue<bool>());
        Assert.Equal(0, accepted.Version());
        Assert.Equal(3, CallbackClient.Output(seen, "bar", "value", "progress")!.GetValue<int>());
        Assert.Equal("step one", seen["sideUpdates"]![0]!["props"]!["children"].Str());
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_keeps_its_worker_while_its_client_sees_the_job_cancelled_at_once_and_a_warning_is_logged()
    {
        var gate = new Gate();
        var runs = new List<int?>();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("stubborn", async (int? n) =>
                {
                    lock (runs) runs.Add(n);
                    if (n == 1)
                    {
                        await gate.PassAsync(); // never looks at a token
                    }

                    return n;
                })
                .Output("out", "children").Input("in", "value"),
            o =>
            {
                o.WorkerCount = 1;
                o.IgnoredCancelWarning = TimeSpan.FromMilliseconds(200);
            });
        using var client = app.NewClient();
        var stubborn = await client.StartAsync("stubborn", In(1));
        await gate.WaitReachedAsync();

        var (_, canceled) = await client.CancelAsync(stubborn);
        var next = await client.StartAsync("stubborn", In(2));
        await WaitForLogAsync(app, "has not returned");
        var (_, waiting) = await client.PollAsync(next);
        gate.Open();
        var nextDone = await client.WaitForEndAsync(next);

        Assert.Equal("canceled", canceled.Status());
        Assert.Equal("queued", waiting.Status()); // the only worker is still held by the stubborn handler
        Assert.Equal("succeeded", nextDone.Status());
        Assert.Equal("canceled", (await client.WaitForEndAsync(stubborn)).Status());
        lock (runs) Assert.Equal([1, 2], runs);
    }

    [Fact]
    public async Task A_job_admitted_but_never_queued_is_queued_by_the_sweeper_and_runs_once()
    {
        var runs = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => { Interlocked.Increment(ref runs); return n; }).Output("out", "children").Input("in", "value"),
            o => o.AdmissionGrace = TimeSpan.Zero);
        using var client = app.NewClient();
        var (_, owner) = await client.InvokeAsync("echo", In(0)); // only to get a session cookie
        await client.WaitForEndAsync(owner["handle"].Str()!);
        var store = app.Services.GetRequiredService<InMemoryJobStore>();
        var ownerId = (await store.GetRecordAsync(CallbackClient.JobId(owner["handle"].Str()!), default))!.Owner;

        // Admitted as an invocation does, then the process "dies": nothing hands the job to the queue.
        var admission = Admission(ownerId, "[5]", slot: null);
        await store.AdmitAsync(admission, default);
        await Sweeper(app).SweepAsync();
        var done = await client.WaitForEndAsync(admission.Handle);

        Assert.Equal(5, CallbackClient.Output(done, "out", "children")!.GetValue<int>());
        Assert.Equal(2, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task A_follower_whose_admission_never_took_its_slot_is_detached_by_the_sweeper()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("slow", async (int? n, CancellationToken ct) => { await gate.PassAsync(ct); return n; })
                .Output("out", "children").Input("in", "value").Configure(c => c.CacheBy = []),
            o => o.AdmissionGrace = TimeSpan.Zero);
        var store = app.Services.GetRequiredService<InMemoryJobStore>();

        // A process took the slot for one follower, then admitted a second for the same slot and died before step two.
        var holder = Admission("s:x", "[1]", slot: "slot-1");
        await store.AdmitAsync(holder, default);
        await store.ReplaceSlotAsync("slot-1", holder.Handle, default);
        await store.AcknowledgeAsync(holder.Handle, default);
        var orphan = Admission("s:x", "[2]", slot: "slot-1");
        await store.AdmitAsync(orphan, default);
        await Sweeper(app).SweepAsync();

        var orphanView = await store.ReadAsync(orphan.Record.JobId, orphan.FollowerId, 0, default);
        var holderView = await store.ReadAsync(holder.Record.JobId, holder.FollowerId, 0, default);
        Assert.Equal(JobStatus.Canceled, orphanView!.Status);
        Assert.Equal(CancelReasons.Superseded, orphanView.CancelReason);
        Assert.NotEqual(JobStatus.Canceled, holderView!.Status);
        gate.Open();
    }

    [Fact]
    public async Task A_page_id_that_is_not_a_short_token_is_refused()
    {
        await using var app = await TestApp.StartAsync(b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var tooLong = await client.InvokeRawAsync("echo", new { inputs = In(1), page = new string('a', 65) });
        var notText = await client.InvokeRawAsync("echo", new { inputs = In(1), page = 5 });
        var badChars = await client.InvokeRawAsync("echo", new { inputs = In(1), page = "a b" });

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notText.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badChars.StatusCode);
        Assert.Equal("application/problem+json", badChars.Content.Headers.ContentType!.MediaType);
    }

    private static Admission Admission(string owner, string argsJson, string? slot)
    {
        var record = new JobRecord(JobHandles.NewJobId(null), owner, "echo", null, argsJson, [], [], null);
        record = record with { CallbackId = slot is null ? "echo" : "slow" };
        var follower = RandomIds.New();
        return new Admission(record, follower, JobHandles.Format(follower, record.JobId, "default"), slot, Joinable: false);
    }

    private static JobSweeper Sweeper(TestApp app) => app.Services.GetServices<IHostedService>().OfType<JobSweeper>().Single();

    private static async Task WaitForLogAsync(TestApp app, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!app.Logs.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Nothing logged '{text}'.");
            await Task.Delay(20);
        }
    }
}
