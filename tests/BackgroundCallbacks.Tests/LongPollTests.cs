using System.Diagnostics;
using System.Net;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Testing;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BackgroundCallbacks.Tests;

public class LongPollTests(ITestOutputHelper output)
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task A_waiting_long_poll_is_answered_by_a_progress_report()
    {
        var beforeReport = new Gate();
        var afterReport = new Gate();
        long reportedAt = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("steps", async (int? n, IProgress<int> progress) =>
            {
                // The process's first report pays one-off JIT and serializer warm-up; the latency measured is the steady one.
                progress.Report(0);
                await beforeReport.PassAsync();
                Volatile.Write(ref reportedAt, Stopwatch.GetTimestamp());
                progress.Report(1);
                await afterReport.PassAsync();
                return "done";
            })
            .Output("out", "children").Input("in", "value").Progress("bar", "value"));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await beforeReport.WaitReachedAsync();

        // The first report is written on its own schedule: the poll parks only once it is in the state, so that only
        // the second report can wake it.
        var current = await client.WaitUntilAsync(handle, b => CallbackClient.Output(b, "bar", "value", "progress")?.GetValue<int>() == 0);

        var poll = client.PollAsync(handle, current.Version(), 20_000);
        await WaitUntilParkedAsync(app, handle, 1);
        Assert.False(poll.IsCompleted, "the long poll waits while nothing changes");
        beforeReport.Open();
        var (response, body) = await poll;
        var latency = Stopwatch.GetElapsedTime(Volatile.Read(ref reportedAt));
        afterReport.Open();

        output.WriteLine($"progress report to poll response: {latency.TotalMilliseconds:F1} ms");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, CallbackClient.Output(body, "bar", "value", "progress")!.GetValue<int>());
        // The figure (a few milliseconds) is a benchmark's to watch; asserted is that the report, not the 20 s wait, ended the poll.
        Assert.True(latency < TimeSpan.FromSeconds(10), $"the poll answered {latency.TotalMilliseconds:F0} ms after the report: its wait ran out");
    }

    private static async Task WaitUntilParkedAsync(TestApp app, string handle, int count)
    {
        var changes = app.Services.GetRequiredService<InMemoryJobStore>().Changes;
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (changes.WaitersOf(CallbackClient.JobId(handle)) < count)
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "the long poll never reached the server");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task A_long_poll_answers_at_once_when_the_job_is_already_newer()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("steps", async (int? n) => { await gate.PassAsync(); return "done"; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gate.WaitReachedAsync();

        var started = Stopwatch.GetTimestamp();
        var (_, body) = await client.PollAsync(handle, after: 0, waitMs: 20_000);
        var elapsed = Stopwatch.GetElapsedTime(started);
        gate.Open();

        Assert.Equal("running", body.Status());
        Assert.True(elapsed < TimeSpan.FromSeconds(5), "version 0 is older than any job, so the poll does not wait");
    }

    [Fact]
    public async Task A_long_poll_is_cut_at_the_configured_maximum_wait()
    {
        // Fake time: the poll parks on a timer of exactly the configured maximum (not the 60 s it asked for), does not
        // answer before that timer fires, and answers unchanged when it does. No real wait, no latency threshold.
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("steps", async (int? n) => { await gate.PassAsync(); return "done"; })
                .Output("out", "children").Input("in", "value"),
            o => o.MaxLongPollWait = TimeSpan.FromSeconds(7),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gate.WaitReachedAsync();
        var (_, current) = await client.PollAsync(handle);

        var parked = time.NextTimer(TimeSpan.FromSeconds(7));
        var poll = client.PollAsync(handle, current.Version(), 60_000);
        await parked.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromTicks(1));
        Assert.False(poll.IsCompleted, "the poll answered before its maximum wait ran out");
        time.Advance(TimeSpan.FromTicks(1));
        var (response, body) = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        gate.Open();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(current.Version(), body.Version());
    }

    [Fact]
    public async Task Waiting_holds_no_thread_ten_thousand_waiters_cost_no_threads()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("steps", async (int? n, IProgress<int> progress) => { await gate.PassAsync(); progress.Report(1); return "done"; })
            .Output("out", "children").Input("in", "value").Progress("bar", "value"));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gate.WaitReachedAsync();
        var (_, current) = await client.PollAsync(handle);
        var version = current.Version();
        var store = app.Services.GetRequiredService<InMemoryJobStore>();
        var record = (await store.GetRecordAsync(CallbackClient.JobId(handle), default))!;
        var jobs = app.Services.GetRequiredService<JobService>();
        var owner = new BackgroundCallbacks.Owners.Owner(record.Owner, null, string.Empty);
        var pendingBefore = ThreadPool.PendingWorkItemCount;

        // A waiter that blocked its caller would keep this loop from ever finishing (each waits a minute); one that
        // parked a blocked work item on the pool would leave thousands queued behind the pool's few threads.
        var waiters = await Task.Run(() => Enumerable.Range(0, 10_000)
            .Select(_ => jobs.FollowAsync(handle, owner, version, TimeSpan.FromMinutes(1), default).AsTask())
            .ToArray()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        Assert.True(ThreadPool.PendingWorkItemCount - pendingBefore < 1_000, $"{ThreadPool.PendingWorkItemCount} work items wait for a thread");
        gate.Open();
        var woken = await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(woken, s => Assert.True(s!.Version > version));
    }

    [Fact]
    public async Task Many_concurrent_long_polls_over_HTTP_all_wake_on_one_change()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("steps", async (int? n) => { await gate.PassAsync(); return "done"; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gate.WaitReachedAsync();
        var (_, current) = await client.PollAsync(handle);

        var polls = Enumerable.Range(0, 100).Select(_ => client.PollAsync(handle, current.Version(), 20_000)).ToArray();
        gate.Open();
        var results = await Task.WhenAll(polls).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.True(r.Body.Version() > current.Version()));
    }
}
