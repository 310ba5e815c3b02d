using System.Globalization;
using System.Text.Json;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// Jobs are followed by one Server-Sent Events stream per browser, kept by a leader tab and shared with the others;
/// long polls take over when the stream is refused.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EventStreamTests(BrowserFixture browser)
{
    // Records every value the client gives the progress bar: each mutation's old value, then the value it has now
    // (the last report and the reset to the default can come in one answer, and so in one observer call).
    private const string RecordBar = """
        () => {
          const bar = document.getElementById("progress-bar");
          window.__old = [];
          new MutationObserver((records) => records.forEach((r) => window.__old.push(r.oldValue)))
            .observe(bar, { attributes: true, attributeFilter: ["value"], attributeOldValue: true });
        }
        """;

    private const string BarValues = "() => window.__old.slice(1).concat([document.getElementById('progress-bar').getAttribute('value')]).filter((v) => v !== null)";

    [BrowserFact]
    public async Task Progress_and_the_result_arrive_over_the_event_stream_without_a_poll()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        await test.Page.EvaluateAsync(RecordBar);

        await test.Page.ClickAsync("#progress-run");

        var handle = (await test.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Equal("events", await test.TransportAsync());
        Assert.NotNull(await test.Page.Locator("html").GetAttributeAsync("data-bc-leader"));
        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/events?jobs=" + handle, StringComparison.Ordinal));
        Assert.DoesNotContain(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal));

        // The stream carried the progress reports and the result, and the bar showed them in order.
        var streamed = (await test.StreamedJobsAsync()).Where(j => j.GetProperty("handle").GetString() == handle).ToList();
        Assert.Contains(streamed, j => j.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Array);
        Assert.Equal("succeeded", streamed[^1].GetProperty("status").GetString());
        var shown = Shown(await test.Page.EvaluateAsync<string[]>(BarValues));
        Assert.True(shown.Count >= 3, $"The bar showed too few steps: {string.Join(", ", shown)}");
        Assert.Equal(shown.Order(), shown);
        Assert.Equal(10, shown[^1]);
        Assert.Empty(await test.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task When_the_event_stream_is_refused_progress_and_the_result_arrive_by_long_poll()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        await test.Page.EvaluateAsync(RecordBar);
        var refused = 0;
        // A server (or proxy) without the stream: 404 as problem details.
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/events", StringComparison.Ordinal),
            route =>
            {
                Interlocked.Increment(ref refused);
                return route.FulfillAsync(new() { Status = 404, ContentType = "application/problem+json", Body = """{"status":404,"title":"Not Found"}""" });
            });

        await test.Page.ClickAsync("#progress-run");

        var handle = (await test.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.True(refused >= 1, "The client never asked for the stream.");
        Assert.Contains(test.Requests, r => r.StartsWith($"GET /_callbacks/jobs/{handle}?", StringComparison.Ordinal) && r.Contains("wait=", StringComparison.Ordinal));
        Assert.Equal("longpoll", await test.TransportAsync());
        Assert.Empty(await test.StreamedJobsAsync());
        var shown = Shown(await test.Page.EvaluateAsync<string[]>(BarValues));
        Assert.True(shown.Count >= 3, $"The bar showed too few steps: {string.Join(", ", shown)}");
        Assert.Equal(shown.Order(), shown);
        Assert.Equal(10, shown[^1]);
        Assert.Empty(await test.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task After_a_refused_stream_the_client_tries_the_stream_again_and_follows_the_next_job_by_it()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/basic.html");
        var refuse = true;
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/events", StringComparison.Ordinal),
            route => Volatile.Read(ref refuse) ? route.FulfillAsync(new() { Status = 503 }) : route.ContinueAsync());

        await test.Page.ClickAsync("#basic-run");
        var first = (await test.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        await Expect(test.Page.Locator("#basic-paragraph")).ToHaveTextAsync("Clicked 1 times");
        Assert.Contains(test.Requests, r => r.StartsWith($"GET /_callbacks/jobs/{first}?", StringComparison.Ordinal));
        Assert.Equal("longpoll", await test.TransportAsync());

        // The stream is back: once its pause is over, the client uses it again.
        Volatile.Write(ref refuse, false);
        await Expect(test.Page.Locator("html")).ToHaveAttributeAsync("data-bc-transport", "events", new() { Timeout = 30_000 });
        await test.Page.ClickAsync("#basic-run");
        var second = (await test.WaitForEventAsync("job", e => e.GetProperty("handle").GetString() != first)).GetProperty("handle").GetString()!;
        await Expect(test.Page.Locator("#basic-paragraph")).ToHaveTextAsync("Clicked 2 times");
        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/events?jobs=" + second, StringComparison.Ordinal));
        Assert.DoesNotContain(test.Requests, r => r.StartsWith($"GET /_callbacks/jobs/{second}", StringComparison.Ordinal));
        Assert.Contains(await test.StreamedJobsAsync(), j => j.GetProperty("handle").GetString() == second && j.GetProperty("status").GetString() == "succeeded");
        Assert.Empty(await test.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task Eight_tabs_on_http1_all_get_their_results_over_one_event_stream_at_a_time()
    {
        const int count = 8;
        await using var first = await browser.NewPageAsync();
        var gate = new object();
        var open = 0;
        var mostOpen = 0;
        var streams = 0;
        static bool IsStream(IRequest request) => request.Url.Contains("/_callbacks/events?", StringComparison.Ordinal);
        first.Context.Request += (_, request) =>
        {
            if (IsStream(request))
            {
                lock (gate)
                {
                    streams++;
                    mostOpen = Math.Max(mostOpen, ++open);
                }
            }
        };
        void Closed(IRequest request)
        {
            if (IsStream(request))
            {
                lock (gate)
                {
                    open--;
                }
            }
        }

        first.Context.RequestFinished += (_, request) => Closed(request);
        first.Context.RequestFailed += (_, request) => Closed(request);

        var tabs = new List<TestPage> { first };
        try
        {
            await first.OpenAsync("/examples/progress.html");
            for (var i = 1; i < count; i++)
            {
                var tab = await first.NewTabAsync();
                tabs.Add(tab);
                await tab.OpenAsync("/examples/progress.html");
            }

            foreach (var tab in tabs)
            {
                await tab.Page.ClickAsync("#progress-run");
            }

            foreach (var tab in tabs)
            {
                await Expect(tab.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 60_000 });
            }

            foreach (var tab in tabs)
            {
                Assert.Equal("succeeded", (await tab.WaitForEventAsync("done", _ => true)).GetProperty("status").GetString());
                Assert.Equal("events", await tab.TransportAsync());
                Assert.DoesNotContain(tab.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal));
            }

            // The page spoke HTTP/1.1 to the server, and one tab kept the browser's only stream.
            Assert.Equal("http/1.1", await first.Page.EvaluateAsync<string>(
                "() => performance.getEntriesByType('resource').find((e) => e.name.includes('/_callbacks/callbacks/')).nextHopProtocol"));
            var leaders = 0;
            foreach (var tab in tabs)
            {
                leaders += await tab.Page.Locator("html").GetAttributeAsync("data-bc-leader") is null ? 0 : 1;
            }

            Assert.Equal(1, leaders);
            Assert.True(streams >= 1, "No event stream was opened.");
            Assert.Equal(1, mostOpen);
            Assert.Equal(streams, tabs.Sum(t => t.Requests.Count(r => r.StartsWith("GET /_callbacks/events?", StringComparison.Ordinal))));
        }
        finally
        {
            foreach (var tab in tabs.Skip(1))
            {
                await tab.DisposeAsync();
            }
        }
    }

    [BrowserFact]
    public async Task When_the_leader_tab_closes_another_tab_takes_the_stream_over_and_gets_its_result()
    {
        await using var leader = await browser.NewPageAsync();
        await leader.OpenAsync("/examples/progress.html");
        await using var other = await leader.NewTabAsync();
        await other.OpenAsync("/examples/progress.html");
        Assert.NotNull(await leader.Page.Locator("html").GetAttributeAsync("data-bc-leader"));
        Assert.Null(await other.Page.Locator("html").GetAttributeAsync("data-bc-leader"));

        await other.Page.ClickAsync("#progress-run");
        var handle = (await other.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        // The leader's stream brings the other tab its first report before the leader goes.
        await Expect(other.Page.Locator("#progress-bar")).ToHaveAttributeAsync("value", new System.Text.RegularExpressions.Regex("^[1-9]$"));
        Assert.Contains(leader.Requests, r => r.StartsWith("GET /_callbacks/events?jobs=" + handle, StringComparison.Ordinal));
        Assert.DoesNotContain(other.Requests, r => r.StartsWith("GET /_callbacks/events", StringComparison.Ordinal));
        await leader.Page.CloseAsync();

        await Expect(other.Page.Locator("html")).ToHaveAttributeAsync("data-bc-leader", "");
        await Expect(other.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Contains(other.Requests, r => r.StartsWith("GET /_callbacks/events?jobs=" + handle, StringComparison.Ordinal));
        Assert.DoesNotContain(other.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal));
        Assert.Equal("succeeded", (await other.WaitForEventAsync("done", _ => true)).GetProperty("status").GetString());
    }

    [BrowserFact]
    public async Task A_tab_whose_leader_does_not_answer_follows_its_job_by_long_poll()
    {
        await using var leader = await browser.NewPageAsync();
        await leader.OpenAsync("/examples/progress.html");
        await using var other = await leader.NewTabAsync();
        await other.OpenAsync("/examples/progress.html");
        Assert.NotNull(await leader.Page.Locator("html").GetAttributeAsync("data-bc-leader"));
        // The leader still holds the lock and hears the other tab, but nothing it sends arrives (as if it were frozen).
        await leader.Page.EvaluateAsync("() => { BroadcastChannel.prototype.postMessage = () => {}; }");

        await other.Page.ClickAsync("#progress-run");

        var handle = (await other.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        await Expect(other.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Contains(other.Requests, r => r.StartsWith($"GET /_callbacks/jobs/{handle}?", StringComparison.Ordinal) && r.Contains("wait=", StringComparison.Ordinal));
        Assert.DoesNotContain(other.Requests, r => r.StartsWith("GET /_callbacks/events", StringComparison.Ordinal));
        Assert.Equal("succeeded", (await other.WaitForEventAsync("done", _ => true)).GetProperty("status").GetString());
        Assert.Empty(await other.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task A_tab_whose_leader_stops_answering_while_it_follows_a_job_gets_its_result_by_long_poll()
    {
        await using var leader = await browser.NewPageAsync();
        await leader.OpenAsync("/examples/progress.html");
        await using var other = await leader.NewTabAsync();
        await other.OpenAsync("/examples/labs-chart.html");
        await other.Page.ClickAsync("#labs-run");
        var handle = (await other.WaitForEventAsync("job", _ => true)).GetProperty("handle").GetString()!;
        // The leader's stream brings the other tab its first side update; then the leader goes silent.
        await Expect(other.Page.Locator("#labs-log")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Step [1-5] of 10 done$"));
        await leader.Page.EvaluateAsync("() => { BroadcastChannel.prototype.postMessage = () => {}; }");

        await Expect(other.Page.Locator("#labs-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Contains(other.Requests, r => r.StartsWith($"GET /_callbacks/jobs/{handle}?", StringComparison.Ordinal));
        Assert.Equal("Step 10 of 10 done", await other.Page.TextContentAsync("#labs-log"));
        Assert.Empty(await other.EventsAsync("error"));
    }

    private static List<double> Shown(string[] values) =>
        values.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
}
