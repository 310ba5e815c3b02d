using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Testing;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class EventStreamTests
{
    private const int Steps = 4;

    private static object[] In(int n) => [CallbackClient.Value("in", "value", n)];

    [Fact]
    public async Task One_stream_delivers_progress_side_updates_and_results_of_two_jobs()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var first = await client.StartAsync("steps", In(1));
        var second = await client.StartAsync("steps", In(2));
        string[] handles = [first, second];

        using var stream = await EventStreamReader.OpenAsync(client.Http, Url(handles));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType!.MediaType);
        Assert.True(stream.Response.Headers.CacheControl is { NoCache: true, NoTransform: true });
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.Equal("2000", (await stream.NextAsync())!.Retry);

        var events = new List<ServerSentEvent>();
        for (var step = 1; step <= Steps; step++)
        {
            gates.Open(1, step);
            gates.Open(2, step);
            var expected = step;
            await ReadUntilAsync(stream, events, seen => handles.All(h => Documents(seen, h).Any(d => ProgressOf(d) == expected)));
        }

        await ReadUntilAsync(stream, events, seen => seen[^1].Event == "end");
        Assert.Null(await stream.NextAsync());

        foreach (var (handle, n) in handles.Select((h, i) => (h, i + 1)))
        {
            var documents = Documents(events, handle).ToArray();
            Assert.Equal([1, 2, 3, 4], documents.Select(ProgressOf).OfType<int>());
            Assert.Equal(Enumerable.Range(1, Steps).Select(s => $"{n}:{s}"), documents.SelectMany(SideUpdatesOf));
            Assert.Equal("succeeded", documents[^1].Status());
            Assert.Equal($"done {n}", CallbackClient.Output(documents[^1], "out", "children").Str());
        }

        // Each event's id is what the stream delivered of every job, in the order of `jobs`.
        var delivered = new long[2];
        foreach (var e in events.Where(e => e.Event == "job"))
        {
            var document = Parse(e);
            delivered[Array.IndexOf(handles, document["handle"].Str())] = document.Version();
            Assert.Equal(string.Join(',', delivered), e.Id);
        }
    }

    [Fact]
    public async Task Another_sessions_handle_gets_job_error_and_no_data_while_the_owners_job_streams()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var owner = app.NewClient();
        using var stranger = app.NewClient();
        var theirs = await owner.StartAsync("steps", In(1));
        var mine = await stranger.StartAsync("steps", In(2));

        using var stream = await EventStreamReader.OpenAsync(stranger.Http, Url([theirs, mine]));
        gates.OpenAll(2);
        var events = new List<ServerSentEvent>();
        await ReadUntilAsync(stream, events, seen => seen[^1].Event == "end");
        gates.OpenAll(1);

        var error = Assert.Single(events, e => e.Event == "job-error");
        var errorData = Parse(error);
        Assert.Equal(theirs, errorData["handle"].Str());
        Assert.Equal(404, errorData["status"]!.GetValue<int>());
        Assert.Equal("Job not found", errorData["title"].Str());
        Assert.DoesNotContain(events.Where(e => e.Event == "job"), e => Parse(e)["handle"].Str() == theirs);
        Assert.Equal("succeeded", Documents(events, mine).Last().Status());
        Assert.Equal($"done 2", CallbackClient.Output(Documents(events, mine).Last(), "out", "children").Str());
        Assert.All(events.Where(e => e.Event == "job"), e => Assert.StartsWith("0,", e.Id));
    }

    [Fact]
    public async Task Resuming_with_Last_Event_ID_after_a_disconnect_mid_job_loses_and_repeats_nothing()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        var url = Url([handle], after: "0");
        var events = new List<ServerSentEvent>();

        string lastId;
        using (var stream = await EventStreamReader.OpenAsync(client.Http, url))
        {
            for (var step = 1; step <= 2; step++)
            {
                gates.Open(1, step);
                var expected = step;
                await ReadUntilAsync(stream, events, seen => Documents(seen, handle).Any(d => ProgressOf(d) == expected));
            }

            lastId = events.Last(e => e.Event == "job").Id!;
        }

        // While no stream is open the job reports once more: the resumed stream must bring exactly that.
        gates.Open(1, 3);
        await client.WaitUntilAsync(handle, b => ProgressOf(b) == 3);

        // An EventSource reconnects to the same URL (after=0) and names what it has in Last-Event-ID, which wins.
        using (var stream = await EventStreamReader.OpenAsync(client.Http, url, lastId))
        {
            var resumed = new List<ServerSentEvent>();
            await ReadUntilAsync(stream, resumed, seen => Documents(seen, handle).Any(d => ProgressOf(d) == 3));
            gates.Open(1, 4);
            await ReadUntilAsync(stream, resumed, seen => seen[^1].Event == "end");
            Assert.True(long.Parse(lastId) < Parse(resumed.First(e => e.Event == "job")).Version());
            events.AddRange(resumed);
        }

        var documents = Documents(events, handle).ToArray();
        Assert.Equal([1, 2, 3, 4], documents.Select(ProgressOf).OfType<int>());
        Assert.Equal(["1:1", "1:2", "1:3", "1:4"], documents.SelectMany(SideUpdatesOf));
        Assert.Equal("succeeded", documents[^1].Status());
    }

    [Fact]
    public async Task An_idle_stream_sends_a_ping_event_each_heartbeat_interval()
    {
        // Fake time: the stream parks on a timer of exactly the heartbeat interval; each time it fires, a ping is sent.
        var time = new TimerWatchingTimeProvider();
        var heartbeat = TimeSpan.FromSeconds(17);
        var gates = new StepGates();
        await using var app = await StartAsync(gates, o => o.EventStreamHeartbeat = heartbeat, s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gates.For(1, 1).WaitReachedAsync();

        var parked = time.NextTimer(heartbeat);
        using var stream = await EventStreamReader.OpenAsync(client.Http, Url([handle]));
        Assert.NotNull((await stream.NextAsync())!.Retry);
        Assert.Equal("job", (await stream.NextAsync())!.Event);
        for (var tick = 0; tick < 2; tick++)
        {
            await parked.WaitAsync(TimeSpan.FromSeconds(30));
            parked = time.NextTimer(heartbeat);
            time.Advance(heartbeat);
            var ping = await stream.NextAsync();
            Assert.Equal(new ServerSentEvent("ping", null, "{}", null, null), ping); // no id: Last-Event-ID stays the last job's
        }

        gates.OpenAll(1);
        var events = new List<ServerSentEvent>();
        await ReadUntilAsync(stream, events, seen => seen[^1].Event == "end");
        Assert.Equal("succeeded", Documents(events, handle).Last().Status());
    }

    [Fact]
    public async Task A_stream_of_ended_jobs_sends_only_what_the_client_lacks_then_end_and_closes()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        gates.OpenAll(1);
        var done = await client.WaitForEndAsync(handle);

        using (var stream = await EventStreamReader.OpenAsync(client.Http, Url([handle])))
        {
            var events = await ReadToEndAsync(stream);
            Assert.Equal(["job", "end"], events.Where(e => e.Event is not null).Select(e => e.Event));
            Assert.Equal("succeeded", Parse(events.Single(e => e.Event == "job")).Status());
            Assert.Equal("{}", events.Single(e => e.Event == "end").Data);
        }

        using (var stream = await EventStreamReader.OpenAsync(client.Http, Url([handle]), done.Version().ToString()))
        {
            var events = await ReadToEndAsync(stream);
            Assert.Equal(["end"], events.Where(e => e.Event is not null).Select(e => e.Event));
        }
    }

    [Fact]
    public async Task A_handle_cancelled_while_streamed_gets_its_canceled_state_and_the_stream_ends()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gates.For(1, 1).WaitReachedAsync();

        using var stream = await EventStreamReader.OpenAsync(client.Http, Url([handle]));
        var events = new List<ServerSentEvent>();
        await ReadUntilAsync(stream, events, seen => seen[^1].Event == "job");
        await client.CancelAsync(handle);
        await ReadUntilAsync(stream, events, seen => seen[^1].Event == "end");

        var last = Documents(events, handle).Last();
        Assert.Equal("canceled", last.Status());
        Assert.Equal("requested", last["cancelReason"].Str());
    }

    [Fact]
    public async Task A_client_that_leaves_ends_its_stream_and_releases_its_watches()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));
        await gates.For(1, 1).WaitReachedAsync();
        var changes = app.Services.GetRequiredService<InMemoryJobStore>().Changes;
        var jobId = CallbackClient.JobId(handle);

        using (var stream = await EventStreamReader.OpenAsync(client.Http, Url([handle])))
        {
            Assert.NotNull((await stream.NextAsync())!.Retry);
            Assert.Equal("job", (await stream.NextAsync())!.Event);
            await Eventually(() => changes.WaitersOf(jobId) == 1, "the stream never parked on the job");
        }

        await Eventually(() => changes.WaitersOf(jobId) == 0, "the stream kept watching after its client left");
        gates.OpenAll(1);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    public static TheoryData<string, string?> BadRequests => new()
    {
        { "", null },
        { "?jobs=", null },
        { "?jobs=a,,b", null },
        { "?jobs=a,a", null },
        { "?jobs=a,b,c", null },
        { "?jobs=a&jobs=b", null },
        { "?jobs=a,b&after=1,x", null },
        { "?jobs=a,b&after=-1", null },
        { "?jobs=a,b&after=1,2,3", null },
        { "?jobs=a,b&after=1", "1,2,3" },
        { "?jobs=a,b", "seven" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_list_is_answered_400_with_problem_details(string query, string? lastEventId)
    {
        await using var app = await StartAsync(new StepGates(), o => o.MaxJobsPerEventStream = 2);
        using var client = app.NewClient();

        var request = new HttpRequestMessage(HttpMethod.Get, CallbackClient.Prefix + "/events" + query);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = await CallbackClient.BodyAsync(response);
        Assert.Equal(400, body["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task HEAD_answers_the_stream_headers_without_a_body_and_other_methods_get_405()
    {
        var gates = new StepGates();
        await using var app = await StartAsync(gates);
        using var client = app.NewClient();
        var handle = await client.StartAsync("steps", In(1));

        using var head = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url([handle])));
        using var badHead = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, CallbackClient.Prefix + "/events"));
        using var post = await client.Http.PostAsync(Url([handle]), new StringContent(""));
        using var delete = await client.Http.DeleteAsync(Url([handle]));
        gates.OpenAll(1);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("text/event-stream", head.Content.Headers.ContentType!.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badHead.StatusCode);
        Assert.Empty(await badHead.Content.ReadAsByteArrayAsync());
        foreach (var answer in new[] { post, delete })
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.StatusCode);
            Assert.Equal(["GET", "HEAD"], answer.Content.Headers.Allow);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType!.MediaType);
        }
    }

    private static Task<TestApp> StartAsync(StepGates gates, Action<BackgroundCallbacksOptions>? options = null, Action<IServiceCollection>? services = null) =>
        TestApp.StartAsync(
            b => b.MapBackgroundCallback("steps", async (int? n, IProgress<int> progress, CallbackContext context, CancellationToken cancellationToken) =>
                {
                    for (var step = 1; step <= Steps; step++)
                    {
                        await gates.For(n ?? 0, step).PassAsync(cancellationToken);
                        progress.Report(step);
                        context.SetProps("log", new { children = $"{n}:{step}" });
                    }

                    return $"done {n}";
                })
                .Output("out", "children").Input("in", "value").Progress("bar", "value"),
            options,
            services);

    private static string Url(string[] handles, string? after = null) =>
        $"{CallbackClient.Prefix}/events?jobs={string.Join(',', handles)}" + (after is null ? "" : $"&after={after}");

    private static JsonObject Parse(ServerSentEvent e) => (JsonObject)JsonNode.Parse(e.Data!)!;

    private static IEnumerable<JsonObject> Documents(IEnumerable<ServerSentEvent> events, string handle) =>
        events.Where(e => e.Event == "job").Select(Parse).Where(d => d["handle"].Str() == handle);

    private static int? ProgressOf(JsonObject document) => CallbackClient.Output(document, "bar", "value", "progress")?.GetValue<int>();

    private static IEnumerable<string> SideUpdatesOf(JsonObject document) =>
        document["sideUpdates"]!.AsArray().Select(u => u!["props"]!["children"].Str()!);

    /// <summary>Reads blocks into <paramref name="events"/> until <paramref name="done"/> holds for them.</summary>
    private static async Task ReadUntilAsync(EventStreamReader stream, List<ServerSentEvent> events, Func<List<ServerSentEvent>, bool> done)
    {
        while (events.Count == 0 || !done(events))
        {
            var next = await stream.NextAsync() ?? throw new InvalidOperationException("The stream closed early: " + string.Join(" | ", events));
            events.Add(next);
        }
    }

    private static async Task<List<ServerSentEvent>> ReadToEndAsync(EventStreamReader stream)
    {
        var events = new List<ServerSentEvent>();
        while (await stream.NextAsync() is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    private static async Task Eventually(Func<bool> condition, string failure)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, failure);
            await Task.Delay(10);
        }
    }

    /// <summary>One gate per job (by its input) and step, so the test decides when each report is made.</summary>
    private sealed class StepGates
    {
        private readonly ConcurrentDictionary<(int Job, int Step), Gate> _gates = new();

        public Gate For(int job, int step) => _gates.GetOrAdd((job, step), _ => new Gate());

        public void Open(int job, int step) => For(job, step).Open();

        public void OpenAll(int job)
        {
            for (var step = 1; step <= Steps; step++)
            {
                Open(job, step);
            }
        }
    }
}
