using System.Text.Json;
using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>The queue page: jobs past a callback's <c>MaxRunning</c> wait in line, and the page shows their places.</summary>
[Collection(BrowserCollection.Name)]
public sealed class QueueTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task The_queue_page_shows_each_waiting_jobs_place_in_line_then_its_progress_and_result()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/queue.html");
        var third = test.Page.Locator("""[data-bc-position-for="queue-job"][data-bc-match='{"index":3}']""");
        await Expect(third).ToBeHiddenAsync();

        await test.Page.ClickAsync("#queue-start-all");

        // The page starts the jobs one after the other: the third waits behind the other two, and moves up when the
        // first ends.
        await Expect(third).ToBeVisibleAsync();
        await Expect(third).ToHaveTextAsync(new Regex("^#[1-3] in line$"));
        await test.ScreenshotAsync("queue-waiting");
        for (var i = 1; i <= 3; i++)
        {
            await Expect(test.Page.Locator($$"""[data-bc-id='{"type":"queue-result","index":{{i}}}']""")).ToHaveTextAsync($"Job {i} done (run 1)", new() { Timeout = 30_000 });
        }

        await Expect(third).ToBeHiddenAsync();
        var queue = await test.EventsAsync("queue");
        List<int?> Places(int index) => queue
            .Where(e => e.GetProperty("match").GetProperty("index").GetInt32() == index)
            .Select(e => e.GetProperty("position").ValueKind == JsonValueKind.Number ? e.GetProperty("position").GetInt32() : (int?)null)
            .ToList();
        var places = Places(3);
        Assert.Contains(places, p => p is not null);
        Assert.Null(places[^1]);
        var waiting = places.Where(p => p is not null).ToList();
        Assert.Equal(waiting.OrderDescending(), waiting); // a place in line only ever moves up
        // Once the first job has run, the server has an estimate for the third.
        Assert.Contains(queue, e => e.GetProperty("match").GetProperty("index").GetInt32() == 3 && e.GetProperty("etaSeconds").ValueKind == JsonValueKind.Number);

        Assert.Contains(Places(2), p => p is not null); // the second waited too, behind the first

        // One at a time, in line: the jobs ended in the order they were admitted.
        var done = (await test.EventsAsync("done")).Select(e => e.GetProperty("match").GetProperty("index").GetInt32()).ToList();
        Assert.Equal([1, 2, 3], done);
        Assert.Empty(await test.EventsAsync("error"));

        // The places, the progress and the results came over the event stream.
        Assert.Equal("events", await test.TransportAsync());
        Assert.DoesNotContain(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal));
        Assert.Contains(await test.StreamedJobsAsync(), j => j.TryGetProperty("position", out _));
    }

    [BrowserFact]
    public async Task Without_the_event_stream_the_queue_page_shows_places_by_long_poll()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/queue.html");
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/events", StringComparison.Ordinal),
            route => route.FulfillAsync(new() { Status = 404, ContentType = "application/problem+json", Body = """{"status":404,"title":"Not Found"}""" }));
        var third = test.Page.Locator("""[data-bc-position-for="queue-job"][data-bc-match='{"index":3}']""");

        await test.Page.ClickAsync("#queue-start-all");

        // The long poll names the place it knows (none at first), so the third job's first place (behind the running
        // first job and the waiting second) shows at once, not only when the line first moves.
        await Expect(third).ToHaveTextAsync("#2 in line");
        Assert.Equal("longpoll", await test.TransportAsync());
        Assert.Empty(await test.StreamedJobsAsync());
        for (var i = 1; i <= 3; i++)
        {
            await Expect(test.Page.Locator($$"""[data-bc-id='{"type":"queue-result","index":{{i}}}']""")).ToHaveTextAsync($"Job {i} done (run 1)", new() { Timeout = 30_000 });
        }

        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal) && r.Contains("position=", StringComparison.Ordinal));
        Assert.Empty(await test.EventsAsync("error"));
    }
}
