using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Testing;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Concurrency limits, lines and the per-owner cap on the embedded default: at most MaxRunning jobs of a callback or
/// group run at once, the rest wait in order and know their position, a full line answers 503 and a caller with too
/// many unended jobs 429, both with Retry-After; with nothing configured nothing is refused.
/// </summary>
public class LimitsTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    /// <summary>A handler held per input on its own gate, which records the order it started in and how many ran at once.</summary>
    private sealed class Runs
    {
        private int _running;
        private int _max;

        public ConcurrentDictionary<int, Gate> Gates { get; } = new();

        public ConcurrentQueue<int> Started { get; } = new();

        public int MaxAtOnce => Volatile.Read(ref _max);

        public Gate Of(int n) => Gates.GetOrAdd(n, _ => new Gate());

        public async Task<int?> RunAsync(int? n, CancellationToken cancellationToken)
        {
            Started.Enqueue(n!.Value);
            var now = Interlocked.Increment(ref _running);
            int seen;
            while ((seen = Volatile.Read(ref _max)) < now && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }

            try
            {
                await Of(n.Value).PassAsync(cancellationToken);
                return n;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private static long? Position(JsonObject body) => body["position"]?.GetValue<long>();

    [Fact]
    public async Task At_most_MaxRunning_jobs_run_at_once_and_the_others_wait_in_admission_order_knowing_their_position()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("limited", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.MaxRunning = 2));
        using var client = await app.NewClient().WithSessionAsync();

        var handles = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            handles.Add(await client.StartAsync("limited", In(i)));
        }

        await runs.Of(0).WaitReachedAsync();
        await runs.Of(1).WaitReachedAsync();
        for (var i = 2; i < 5; i++)
        {
            var expected = i - 2;
            var waiting = await client.WaitUntilAsync(handles[i], b => Position(b) == expected);
            Assert.Equal("queued", waiting["status"]!.GetValue<string>());
        }

        Assert.Equal([0, 1], runs.Started.Order());
        // One place frees at a time, and each goes to the head of the line.
        for (var i = 0; i < 5; i++)
        {
            runs.Of(i).Open();
            await client.WaitForEndAsync(handles[i]);
            if (i + 2 < 5)
            {
                await runs.Of(i + 2).WaitReachedAsync();
            }
        }

        // The first two were given their places together, and either may start first; the rest start in line order.
        Assert.Equal([0, 1], runs.Started.Take(2).Order());
        Assert.Equal([2, 3, 4], runs.Started.Skip(2));
        Assert.Equal(2, runs.MaxAtOnce);
        var running = await client.PollAsync(handles[4]);
        Assert.Null(running.Body["position"]);
    }

    [Fact]
    public async Task Callbacks_of_one_group_share_its_running_places()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("first", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
                    .Output("out-1", "children").Input("in", "value").Configure(c => c.Group = "gpu");
                b.MapBackgroundCallback("second", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
                    .Output("out-2", "children").Input("in", "value").Configure(c => c.Group = "gpu");
            },
            o => o.ConcurrencyGroups["gpu"] = new ConcurrencyGroupOptions { MaxRunning = 1 });
        using var client = await app.NewClient().WithSessionAsync();

        var first = await client.StartAsync("first", In(1));
        await runs.Of(1).WaitReachedAsync();
        var second = await client.StartAsync("second", In(2));
        var waiting = await client.WaitUntilAsync(second, b => Position(b) == 0);

        Assert.Equal("queued", waiting["status"]!.GetValue<string>());
        runs.Of(1).Open();
        await runs.Of(2).WaitReachedAsync();
        runs.Of(2).Open();
        await client.WaitForEndAsync(first);
        await client.WaitForEndAsync(second);
        Assert.Equal(1, runs.MaxAtOnce);
    }

    [Fact]
    public async Task A_full_line_answers_503_problem_details_with_Retry_After_and_admits_nothing()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("bounded", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.MaxRunning = 1; c.MaxQueued = 2; }));
        using var client = await app.NewClient().WithSessionAsync();
        var running = await client.StartAsync("bounded", In(0));
        await runs.Of(0).WaitReachedAsync();
        var second = await client.StartAsync("bounded", In(1));
        var third = await client.StartAsync("bounded", In(2));
        await client.WaitUntilAsync(third, b => Position(b) == 1);

        var (response, body) = await client.InvokeAsync("bounded", In(3));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("queue-full", body["reason"]!.GetValue<string>());
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "no Retry-After");

        // Room again once the line moves: the refused invocation was not kept anywhere.
        runs.Of(0).Open();
        await client.WaitUntilAsync(second, b => b["status"]!.GetValue<string>() == "running");
        var later = await client.StartAsync("bounded", In(4));
        foreach (var n in new[] { 1, 2, 4 })
        {
            runs.Of(n).Open();
        }

        await client.WaitForEndAsync(later);
        Assert.DoesNotContain(3, runs.Started);
        Assert.Equal(1, runs.MaxAtOnce);
        await client.WaitForEndAsync(running);
    }

    [Fact]
    public async Task With_no_limit_configured_many_invocations_are_all_accepted()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("free", async (int? n, CancellationToken ct) => { await gate.PassAsync(ct); return n; })
            .Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.InvokeAsync("free", In(i))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Response.StatusCode));
        Assert.All(answers, a => Assert.Null(a.Body["position"]));
        gate.Open();
        await Task.WhenAll(answers.Select(a => client.WaitForEndAsync(a.Body["handle"]!.GetValue<string>())));
    }

    [Fact]
    public async Task A_caller_past_its_live_job_cap_gets_429_also_with_a_new_session_from_the_same_address_but_not_a_signed_in_user()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("capped", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
                .Output("out", "children").Input("in", "value"),
            o => o.MaxLiveJobsPerOwner = 2,
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);
        using var client = await app.NewClient().WithSessionAsync();
        var first = await client.StartAsync("capped", In(1));
        var second = await client.StartAsync("capped", In(2));

        var (refused, body) = await client.InvokeAsync("capped", In(3));
        using var cookieless = await app.NewClient().WithSessionAsync();
        var (sameAddress, _) = await cookieless.InvokeAsync("capped", In(4));
        using var alice = app.NewClient();
        alice.Http.DefaultRequestHeaders.Add("X-User", "alice");
        var (signedIn, signedInBody) = await alice.InvokeAsync("capped", In(5));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("too-many-jobs", body["reason"]!.GetValue<string>());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, sameAddress.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, signedIn.StatusCode);

        // A job that ends no longer counts.
        await client.CancelAsync(first);
        var third = await client.StartAsync("capped", In(6));
        foreach (var n in new[] { 1, 2, 5, 6 })
        {
            runs.Of(n).Open();
        }

        await client.WaitForEndAsync(second);
        await client.WaitForEndAsync(third);
        await alice.WaitForEndAsync(signedInBody["handle"]!.GetValue<string>());
        Assert.DoesNotContain(3, runs.Started);
        Assert.DoesNotContain(4, runs.Started);
    }

    [Fact]
    public async Task A_waiting_job_that_is_cancelled_never_runs_and_the_next_one_gets_its_turn()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("one-at-a-time", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.MaxRunning = 1));
        using var client = await app.NewClient().WithSessionAsync();
        var a = await client.StartAsync("one-at-a-time", In(1));
        await runs.Of(1).WaitReachedAsync();
        var b = await client.StartAsync("one-at-a-time", In(2));
        var c = await client.StartAsync("one-at-a-time", In(3));
        await client.WaitUntilAsync(c, body => Position(body) == 1);

        await client.CancelAsync(b);
        runs.Of(1).Open();
        await runs.Of(3).WaitReachedAsync();
        runs.Of(3).Open();

        Assert.Equal("succeeded", (await client.WaitForEndAsync(c))["status"]!.GetValue<string>());
        Assert.Equal("canceled", (await client.WaitForEndAsync(b))["status"]!.GetValue<string>());
        Assert.Equal([1, 3], runs.Started.ToArray());
        await client.WaitForEndAsync(a);
    }

    [Fact]
    public async Task A_cancelled_handler_that_ignores_its_token_keeps_its_running_place_until_it_returns()
    {
        var ignoring = new Gate();
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("stubborn", async (int? n, CancellationToken ct) =>
            {
                if (n == 0)
                {
                    await ignoring.PassAsync(CancellationToken.None);
                    return n;
                }

                return await runs.RunAsync(n, ct);
            })
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.MaxRunning = 1));
        using var client = await app.NewClient().WithSessionAsync();
        var stubborn = await client.StartAsync("stubborn", In(0));
        await ignoring.WaitReachedAsync();

        var (_, canceled) = await client.CancelAsync(stubborn);
        var next = await client.StartAsync("stubborn", In(1));
        var waiting = await client.WaitUntilAsync(next, b => Position(b) == 0);

        Assert.Equal("canceled", canceled["status"]!.GetValue<string>());
        Assert.Equal("queued", waiting["status"]!.GetValue<string>());
        Assert.Empty(runs.Started);
        ignoring.Open();
        await runs.Of(1).WaitReachedAsync();
        runs.Of(1).Open();
        Assert.Equal("succeeded", (await client.WaitForEndAsync(next))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_waiting_job_has_an_estimate_once_a_run_has_been_timed_and_a_later_place_has_a_later_estimate()
    {
        var runs = new Runs();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T12:00:00Z"));
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("timed", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
                .Output("out", "children").Input("in", "value")
                .Configure(c => c.MaxRunning = 1),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = await app.NewClient().WithSessionAsync();
        var first = await client.StartAsync("timed", In(0));
        await runs.Of(0).WaitReachedAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        runs.Of(0).Open();
        await client.WaitForEndAsync(first);

        var running = await client.StartAsync("timed", In(1));
        await runs.Of(1).WaitReachedAsync();
        var second = await client.StartAsync("timed", In(2));
        var third = await client.StartAsync("timed", In(3));
        var secondView = await client.WaitUntilAsync(second, b => Position(b) == 0 && b["etaSeconds"] is not null);
        var thirdView = await client.WaitUntilAsync(third, b => Position(b) == 1 && b["etaSeconds"] is not null);

        // A run took 10 s and one place is shared: the next waits for the running one and then its own run.
        Assert.Equal(15, secondView["etaSeconds"]!.GetValue<double>());
        Assert.Equal(25, thirdView["etaSeconds"]!.GetValue<double>());
        foreach (var n in new[] { 1, 2, 3 })
        {
            runs.Of(n).Open();
        }

        await client.WaitForEndAsync(running);
        await client.WaitForEndAsync(third);
    }

    [Fact]
    public async Task A_poll_that_names_a_stale_position_answers_at_once_with_the_current_one()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("line", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.MaxRunning = 1));
        using var client = await app.NewClient().WithSessionAsync();
        var a = await client.StartAsync("line", In(1));
        await runs.Of(1).WaitReachedAsync();
        var b = await client.StartAsync("line", In(2));
        var view = await client.WaitUntilAsync(b, body => Position(body) == 0);

        // The version is current and the job waits: only the position the client names can make this poll answer before its wait.
        var version = view["version"]!.GetValue<long>();
        using var response = await client.Http.GetAsync($"{CallbackClient.Prefix}/jobs/{b}?after={version}&wait=60000&position=5");
        var body = await CallbackClient.BodyAsync(response);

        Assert.Equal(0, Position(body));
        runs.Of(1).Open();
        runs.Of(2).Open();
        await client.WaitForEndAsync(b);
        await client.WaitForEndAsync(a);
    }

    [Fact]
    public async Task An_event_stream_of_a_waiting_job_sends_each_new_position_as_the_line_moves()
    {
        var runs = new Runs();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("streamed", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.MaxRunning = 1));
        using var client = await app.NewClient().WithSessionAsync();
        var first = await client.StartAsync("streamed", In(1));
        await runs.Of(1).WaitReachedAsync();
        var second = await client.StartAsync("streamed", In(2));
        var third = await client.StartAsync("streamed", In(3));
        await client.WaitUntilAsync(third, b => Position(b) == 1);

        using var stream = await EventStreamReader.OpenAsync(client.Http, $"{CallbackClient.Prefix}/events?jobs={third}");
        var positions = new List<long?>();
        async Task NextPositionAsync()
        {
            while (true)
            {
                var next = await stream.NextAsync(TimeSpan.FromSeconds(30));
                Assert.NotNull(next);
                if (next.Event == "job")
                {
                    positions.Add(Position((JsonObject)JsonNode.Parse(next.Data!)!));
                    return;
                }
            }
        }

        await NextPositionAsync();
        runs.Of(1).Open();
        await NextPositionAsync();
        runs.Of(2).Open();
        await NextPositionAsync();

        // Waiting behind two, then behind one, then running (no position): each move arrived without a version change of its own.
        Assert.Equal([1L, 0L, null], positions);
        runs.Of(3).Open();
        await client.WaitForEndAsync(third);
        await client.WaitForEndAsync(second);
        await client.WaitForEndAsync(first);
    }

    [Fact]
    public async Task A_poll_that_knows_no_position_gets_a_waiting_jobs_position_at_once_and_one_of_a_job_in_no_line_waits()
    {
        var runs = new Runs();
        var free = new Gate();
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("line", (int? n, CancellationToken ct) => runs.RunAsync(n, ct))
                .Output("out", "children").Input("in", "value").Configure(c => c.MaxRunning = 1);
            b.MapBackgroundCallback("free", async (int? n, CancellationToken ct) => { await free.PassAsync(ct); return n; })
                .Output("free-out", "children").Input("in", "value");
        });
        using var client = await app.NewClient().WithSessionAsync();
        var a = await client.StartAsync("line", In(1));
        await runs.Of(1).WaitReachedAsync();
        var b = await client.StartAsync("line", In(2));
        var version = (await client.WaitUntilAsync(b, body => Position(body) == 0))["version"]!.GetValue<long>();
        var running = await client.StartAsync("free", In(3));
        await free.WaitReachedAsync();
        var freeVersion = (await client.PollAsync(running)).Body["version"]!.GetValue<long>();

        using var waiting = await client.Http.GetAsync($"{CallbackClient.Prefix}/jobs/{b}?after={version}&wait=60000&position=-1");
        var inNoLine = client.Http.GetAsync($"{CallbackClient.Prefix}/jobs/{running}?after={freeVersion}&wait=60000&position=-1");
        var changes = app.Services.GetRequiredService<BackgroundCallbacks.Jobs.InMemoryJobStore>().Changes;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (changes.WaitersOf(CallbackClient.JobId(running)) == 0 && !inNoLine.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the poll never reached the server");
            await Task.Yield();
        }

        Assert.Equal(0, Position(await CallbackClient.BodyAsync(waiting)));
        Assert.False(inNoLine.IsCompleted, "a job in no line has no position to tell: the poll waits");
        free.Open();
        using var answered = await inNoLine;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        runs.Of(1).Open();
        runs.Of(2).Open();
        await client.WaitForEndAsync(b);
        await client.WaitForEndAsync(a);
    }

    [Theory]
    [InlineData("group", "the concurrency group 'nowhere' is not configured")]
    [InlineData("queued-only", "MaxQueued bounds the line of jobs waiting for a running place, so it needs MaxRunning as well")]
    [InlineData("inline", "it runs inline, in the request, so it waits in no line")]
    [InlineData("both", "it names the concurrency group 'gpu' and limits of its own")]
    public async Task Limits_that_cannot_work_stop_the_app_at_startup(string kind, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(
            b => b.MapBackgroundCallback("bad", (int? n) => n).Output("out", "children").Input("in", "value").Configure(c =>
            {
                switch (kind)
                {
                    case "group": c.Group = "nowhere"; break;
                    case "queued-only": c.MaxQueued = 3; break;
                    case "inline": c.Inline = true; c.MaxRunning = 1; break;
                    default: c.Group = "gpu"; c.MaxRunning = 2; break;
                }
            }),
            o => o.ConcurrencyGroups["gpu"] = new ConcurrencyGroupOptions { MaxRunning = 1 })).DisposeAsync());

        Assert.Contains(expected, error.Message);
    }
}
