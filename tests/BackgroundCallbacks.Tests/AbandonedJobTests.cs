using BackgroundCallbacks.Testing;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// <c>AbandonedJobGrace</c>: a job no follower polls (or streams) for the grace is cancelled by the sweeper, reason
/// <c>abandoned</c>. Time is the fake clock's; the sweeper's timer runs on it, so moving the clock runs the sweeps.
/// </summary>
public class AbandonedJobTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task A_job_nobody_polls_is_cancelled_after_the_grace_with_reason_abandoned_while_a_polled_one_runs_on()
    {
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        var tokens = new Dictionary<int, TaskCompletionSource>
        {
            [1] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            [2] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        await using var app = await StartAsync(time, gate, tokens, o => o.AbandonedJobGrace = Grace);
        using var client = app.NewClient();
        var polled = await client.StartAsync("work", In(1));
        var forgotten = await client.StartAsync("work", In(2));
        await client.WaitUntilAsync(polled, b => b.Status() == "running");
        await client.WaitUntilAsync(forgotten, b => b.Status() == "running");

        // Polled every 20 s (the poll writes its sighting when the last is older than 15 s) across twice the grace.
        for (var elapsed = TimeSpan.Zero; elapsed < 2 * Grace; elapsed += TimeSpan.FromSeconds(20))
        {
            time.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal("running", (await client.PollAsync(polled)).Body.Status());
        }

        var ended = await client.WaitForEndAsync(forgotten);
        await tokens[2].Task.WaitAsync(TimeSpan.FromSeconds(30));
        var (_, stillRunning) = await client.PollAsync(polled);

        Assert.Equal("canceled", ended.Status());
        Assert.Equal("abandoned", ended["cancelReason"].Str());
        Assert.Equal("running", stillRunning.Status());
        Assert.False(tokens[1].Task.IsCompleted);
        Assert.Contains(app.Logs.Entries, e => e.Message.Contains("no follower polled or streamed it", StringComparison.Ordinal));
        gate.Open();
        Assert.Equal("succeeded", (await client.WaitForEndAsync(polled)).Status());
    }

    [Fact]
    public async Task A_job_followed_only_by_an_event_stream_is_not_cancelled()
    {
        var time = new TimerWatchingTimeProvider();
        var heartbeat = TimeSpan.FromSeconds(15);
        var gate = new Gate();
        var tokens = new Dictionary<int, TaskCompletionSource>
        {
            [1] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            [2] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        await using var app = await StartAsync(time, gate, tokens, o => o.AbandonedJobGrace = Grace);
        using var client = app.NewClient();
        var streamed = await client.StartAsync("work", In(1));
        var forgotten = await client.StartAsync("work", In(2));
        await client.WaitUntilAsync(streamed, b => b.Status() == "running");
        await client.WaitUntilAsync(forgotten, b => b.Status() == "running");

        var parked = time.NextTimer(heartbeat);
        using var stream = await EventStreamReader.OpenAsync(client.Http, $"{CallbackClient.Prefix}/events?jobs={streamed}");
        Assert.NotNull((await stream.NextAsync())!.Retry);
        Assert.Equal("job", (await stream.NextAsync())!.Event);

        // The stream reads its job at every heartbeat, which is all that follows it here, across twice the grace.
        for (var elapsed = TimeSpan.Zero; elapsed < 2 * Grace; elapsed += heartbeat)
        {
            await parked.WaitAsync(TimeSpan.FromSeconds(30));
            parked = time.NextTimer(heartbeat);
            time.Advance(heartbeat);
            Assert.Equal("ping", (await stream.NextAsync())!.Event);
        }

        var (_, streamedView) = await client.PollAsync(streamed);
        var (_, forgottenView) = await client.PollAsync(forgotten);
        gate.Open();

        Assert.Equal("running", streamedView.Status());
        Assert.Equal("canceled", forgottenView.Status());
        Assert.Equal("abandoned", forgottenView["cancelReason"].Str());
    }

    [Fact]
    public async Task A_job_nobody_polls_is_not_cancelled_before_the_grace_has_passed()
    {
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        var tokens = new Dictionary<int, TaskCompletionSource> { [1] = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var app = await StartAsync(time, gate, tokens, o => o.AbandonedJobGrace = Grace);
        using var client = app.NewClient();
        var handle = await client.StartAsync("work", In(1));
        await client.WaitUntilAsync(handle, b => b.Status() == "running");

        time.Advance(Grace - TimeSpan.FromSeconds(5));
        var (_, before) = await client.PollAsync(handle);
        gate.Open();

        Assert.Equal("running", before.Status());
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task With_the_option_off_by_default_a_job_nobody_polls_is_never_cancelled()
    {
        var time = new TimerWatchingTimeProvider();
        var gate = new Gate();
        var tokens = new Dictionary<int, TaskCompletionSource> { [1] = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var app = await StartAsync(time, gate, tokens, _ => { });
        using var client = app.NewClient();
        Assert.Null(app.Services.GetRequiredService<IOptions<BackgroundCallbacksOptions>>().Value.AbandonedJobGrace);
        var handle = await client.StartAsync("work", In(1));
        await client.WaitUntilAsync(handle, b => b.Status() == "running");

        for (var i = 0; i < 12; i++)
        {
            time.Advance(TimeSpan.FromMinutes(5));
        }

        var (_, later) = await client.PollAsync(handle);
        gate.Open();

        Assert.Equal("running", later.Status());
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
    }

    [Theory]
    [InlineData(30)]
    [InlineData(10)]
    public async Task A_grace_that_does_not_exceed_the_clients_longest_retry_delay_is_refused_at_startup(int seconds)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await TestApp.StartAsync(
            b => b.MapBackgroundCallback("ok", (int? n) => n).Output("out", "children").Input("in", "value"),
            o => o.AbandonedJobGrace = TimeSpan.FromSeconds(seconds))).DisposeAsync());

        Assert.Contains("AbandonedJobGrace must exceed the browser client's longest retry delay", error.Message);
    }

    [Fact]
    public async Task A_grace_that_does_not_exceed_the_longest_long_poll_wait_is_refused_at_startup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await TestApp.StartAsync(
            b => b.MapBackgroundCallback("ok", (int? n) => n).Output("out", "children").Input("in", "value"),
            o => { o.AbandonedJobGrace = TimeSpan.FromSeconds(40); o.MaxLongPollWait = TimeSpan.FromSeconds(45); })).DisposeAsync());

        Assert.Contains("AbandonedJobGrace must exceed MaxLongPollWait and EventStreamHeartbeat", error.Message);
    }

    [Fact]
    public async Task A_grace_just_above_the_clients_longest_retry_delay_is_accepted()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("ok", (int? n) => n).Output("out", "children").Input("in", "value"),
            o => o.AbandonedJobGrace = TimeSpan.FromSeconds(31));

        Assert.Equal(TimeSpan.FromSeconds(31), app.Services.GetRequiredService<IOptions<BackgroundCallbacksOptions>>().Value.AbandonedJobGrace);
    }

    /// <summary>An app whose callback "work" holds input 1 (and 2) at the gate, observing its token; others return at once.</summary>
    private static Task<TestApp> StartAsync(TimeProvider time, Gate gate, Dictionary<int, TaskCompletionSource> tokens, Action<BackgroundCallbacksOptions> options) =>
        TestApp.StartAsync(
            b => b.MapBackgroundCallback("work", async (int? n, CancellationToken ct) =>
                {
                    if (n is { } held && tokens.TryGetValue(held, out var fired))
                    {
                        try
                        {
                            await gate.PassAsync(ct);
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                            fired.TrySetResult();
                            throw;
                        }
                    }

                    return $"done {n}";
                })
                .Output("out", "children").Input("in", "value"),
            o =>
            {
                o.CacheBy = [];
                o.WorkerCount = 2;
                options(o);
            },
            services: s => s.AddSingleton(time));
}
