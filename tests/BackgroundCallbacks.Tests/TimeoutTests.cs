using System.Net;
using BackgroundCallbacks.Testing;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// A callback's <c>TimeoutSeconds</c>: the run is cut off when the time passes. Time is the fake clock's, so nothing
/// waits for real: a test knows the limit's timer exists, moves the clock past it, and looks.
/// </summary>
public class TimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task A_handler_that_observes_its_token_ends_canceled_with_reason_timeout_at_once_for_every_follower()
    {
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("limited", async (int? n, CancellationToken ct) =>
                {
                    if (n == 1)
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
                    }

                    return $"done {n}";
                })
                .Output("out", "children").Input("in", "value").Configure(c => c.TimeoutSeconds = (int)Limit.TotalSeconds),
            o => { o.CacheBy = []; o.WorkerCount = 1; },
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var limitSet = time.NextTimer(Limit);
        var first = await client.StartAsync("limited", In(1));
        var (_, joined) = await client.InvokeAsync("limited", In(1));
        Assert.True(joined["joined"]!.GetValue<bool>());
        var second = joined["handle"].Str()!;
        await gate.WaitReachedAsync();
        await limitSet.WaitAsync(TimeSpan.FromSeconds(30));
        var (_, running) = await client.PollAsync(first);
        var parked = time.NextTimer(TimeSpan.FromSeconds(20));
        var poll = client.PollAsync(first, running.Version(), 20_000);
        await parked.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(Limit);

        // The parked poll (its own 20 s are far from over) is answered by the cancel, for both followers alike.
        var (_, firstView) = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        var (_, secondView) = await client.PollAsync(second);
        await tokenFired.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("canceled", firstView.Status());
        Assert.Equal("timeout", firstView["cancelReason"].Str());
        Assert.Equal("canceled", secondView.Status());
        Assert.Equal("timeout", secondView["cancelReason"].Str());
        Assert.Null(firstView["outputs"]);

        // The only worker is free again for the next job.
        var next = await client.WaitForEndAsync(await client.StartAsync("limited", In(2)));
        Assert.Equal("done 2", CallbackClient.Output(next, "out", "children").Str());
        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("passed its time limit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_ends_canceled_at_once_and_its_late_result_is_neither_delivered_nor_cached()
    {
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("stubborn", async (int? n) =>
                {
                    if (n == 1)
                    {
                        await gate.PassAsync();
                    }

                    return $"late {n}";
                })
                .Output("out", "children").Input("in", "value").Configure(c => c.TimeoutSeconds = (int)Limit.TotalSeconds),
            o => { o.CacheBy = []; o.WorkerCount = 1; },
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var limitSet = time.NextTimer(Limit);
        var handle = await client.StartAsync("stubborn", In(1));
        await gate.WaitReachedAsync();
        await limitSet.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(Limit);
        var (_, atOnce) = await client.PollAsync(handle);

        // The client has its answer while the handler still holds the only worker: the next job waits for it.
        Assert.Equal("canceled", atOnce.Status());
        Assert.Equal("timeout", atOnce["cancelReason"].Str());
        var next = await client.StartAsync("stubborn", In(2));
        Assert.Equal("queued", (await client.PollAsync(next)).Body.Status());

        gate.Open();
        var nextEnded = await client.WaitForEndAsync(next);
        var (_, afterReturn) = await client.PollAsync(handle);

        Assert.Equal("late 2", CallbackClient.Output(nextEnded, "out", "children").Str());
        Assert.Equal("canceled", afterReturn.Status());
        Assert.Equal("timeout", afterReturn["cancelReason"].Str());
        Assert.Equal(atOnce.Version(), afterReturn.Version());
        Assert.Null(afterReturn["outputs"]);
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("stubborn", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task The_limit_counts_per_run_a_retry_starts_its_clock_again()
    {
        var time = new TimerWatchingTimeProvider();
        var firstRun = new Gate();
        var secondRun = new Gate();
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("flaky", async (int? n, CancellationToken ct) =>
                {
                    if (Interlocked.Increment(ref runs) == 1)
                    {
                        await firstRun.PassAsync(ct);
                        throw new InvalidOperationException("The first run fails.");
                    }

                    try
                    {
                        await secondRun.PassAsync(ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        tokenFired.TrySetResult();
                        throw;
                    }

                    return "done";
                })
                .Output("out", "children").Input("in", "value").Configure(c => { c.TimeoutSeconds = (int)Limit.TotalSeconds; c.Retries = 1; }),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var firstLimit = time.NextTimer(Limit);
        var handle = await client.StartAsync("flaky", In(1));
        await firstRun.WaitReachedAsync();
        await firstLimit.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(8));

        var secondLimit = time.NextTimer(Limit);
        firstRun.Open();
        await secondRun.WaitReachedAsync();
        await secondLimit.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(8));
        var (_, sixteenSecondsIn) = await client.PollAsync(handle);
        time.Advance(TimeSpan.FromSeconds(2));
        var (_, tenSecondsIntoTheRetry) = await client.PollAsync(handle);
        await tokenFired.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // 16 s after the first start, 8 s into the retry: the first run's clock went with it.
        Assert.Equal("running", sixteenSecondsIn.Status());
        Assert.Equal("canceled", tenSecondsIntoTheRetry.Status());
        Assert.Equal("timeout", tenSecondsIntoTheRetry["cancelReason"].Str());
        Assert.Equal(2, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task A_run_that_returns_within_its_limit_succeeds_and_the_limit_passing_later_changes_nothing()
    {
        var time = new TimerWatchingTimeProvider();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("quick", (int? n) => $"done {n}")
                .Output("out", "children").Input("in", "value").Configure(c => c.TimeoutSeconds = (int)Limit.TotalSeconds),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var limitSet = time.NextTimer(Limit);
        var handle = await client.StartAsync("quick", In(1));
        var ended = await client.WaitForEndAsync(handle);
        await limitSet.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(Limit);
        var (_, later) = await client.PollAsync(handle);

        Assert.Equal("succeeded", ended.Status());
        Assert.Equal("succeeded", later.Status());
        Assert.Equal(ended.Version(), later.Version());
        Assert.Equal("done 1", CallbackClient.Output(later, "out", "children").Str());
    }
}
