using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>The caching examples of the Dash documentation: cache hits come back at once, with no job.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CachingTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Clicks_cycle_back_to_zero_and_a_repeated_count_is_answered_from_the_cache_without_a_job()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/caching.html");
        var run = test.Page.Locator("#cache-run");

        for (var click = 1; click <= 4; click++)
        {
            await run.ClickAsync();
            await Expect(test.Page.Locator("#cache-paragraph")).ToHaveTextAsync($"Clicked {click} times");
            await Expect(run).ToBeEnabledAsync();
        }

        // The handler's second output, (n_clicks or 0) % 4, wrote the button's click count back to 0.
        await Expect(run).ToHaveAttributeAsync("data-n-clicks", "0");
        var before = test.RequestCount;

        await run.ClickAsync();

        var done = await test.WaitForEventAsync("done", e => e.GetProperty("cached").GetBoolean());
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        await Expect(test.Page.Locator("#cache-paragraph")).ToHaveTextAsync("Clicked 1 times");
        var requests = test.RequestsSince(before);
        Assert.Contains("POST /_callbacks/callbacks/cache", requests);
        Assert.DoesNotContain(requests, r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
        await Expect(run).ToBeEnabledAsync();
    }

    [BrowserFact]
    public async Task Another_session_gets_the_shared_result_from_the_cache_without_a_job()
    {
        await using (var first = await browser.NewPageAsync())
        {
            await first.OpenAsync("/examples/caching.html");
            await first.Page.ClickAsync("#cache-run");
            await Expect(first.Page.Locator("#cache-paragraph")).ToHaveTextAsync("Clicked 1 times");
        }

        await using var second = await browser.NewPageAsync();
        await second.OpenAsync("/examples/caching.html");
        await second.Page.ClickAsync("#cache-run");

        await Expect(second.Page.Locator("#cache-paragraph")).ToHaveTextAsync("Clicked 1 times");
        var done = await second.WaitForEventAsync("done", _ => true);
        Assert.True(done.GetProperty("cached").GetBoolean());
        Assert.DoesNotContain(second.Requests, r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
        var answer = Assert.Single(await second.ResponsesAsync());
        Assert.Equal(200, answer.Status);
    }

    [BrowserFact]
    public async Task Ignoring_the_click_count_by_name_makes_the_next_click_with_the_same_text_a_cache_hit()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/ignore-by-name.html");
        var text = "name-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.FillAsync("#input-1", text);

        await test.Page.ClickAsync("#run-button-1");

        await Expect(test.Page.Locator("#status-1")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Progress [0-3]/4$"));
        await Expect(test.Page.Locator("#result-1")).ToHaveTextAsync($"Result for '{text}'");
        await Expect(test.Page.Locator("#status-1")).ToHaveTextAsync("Finished");
        await Expect(test.Page.Locator("#run-button-1")).ToBeEnabledAsync();
        var before = test.RequestCount;

        await test.Page.ClickAsync("#run-button-1");

        await test.WaitForEventAsync("done", e => e.GetProperty("cached").GetBoolean());
        Assert.DoesNotContain(test.RequestsSince(before), r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
        await Expect(test.Page.Locator("#result-1")).ToHaveTextAsync($"Result for '{text}'");
    }

    [BrowserFact]
    public async Task A_cache_hit_cancels_the_job_it_supersedes()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/ignore-by-name.html");
        var cachedText = "cached-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.FillAsync("#input-1", cachedText);
        await test.Page.ClickAsync("#run-button-1");
        await Expect(test.Page.Locator("#result-1")).ToHaveTextAsync($"Result for '{cachedText}'");
        await Expect(test.Page.Locator("#run-button-1")).ToBeEnabledAsync();
        var firstHandle = Assert.Single(await test.EventsAsync("job")).GetProperty("handle").GetString();

        // A job for new text runs; while it does, page code invokes again with the cached text.
        await test.Page.FillAsync("#input-1", "slow-" + Guid.NewGuid().ToString("N")[..8]);
        await test.Page.ClickAsync("#run-button-1");
        var job = await test.WaitForEventAsync("job", e => e.GetProperty("handle").GetString() != firstHandle);
        var handle = job.GetProperty("handle").GetString()!;
        await test.Page.FillAsync("#input-1", cachedText);
        await test.Page.EvaluateAsync("() => BackgroundCallbacks.setProps('run-button-1', { n_clicks: 99 })");

        await test.WaitForEventAsync("done", e => e.GetProperty("cached").GetBoolean());
        var cancel = await test.WaitForEventAsync("cancel", e => e.GetProperty("handle").GetString() == handle);
        Assert.Equal(handle, cancel.GetProperty("handle").GetString());
        await Expect(test.Page.Locator("#result-1")).ToHaveTextAsync($"Result for '{cachedText}'");
        var state = await test.Page.EvaluateAsync<string>(
            "async h => (await (await fetch('/_callbacks/jobs/' + h + '?after=0&wait=10000')).json()).cancelReason", handle);
        Assert.Equal("requested", state);
    }

    [BrowserFact]
    public async Task Ignoring_argument_zero_by_position_makes_repeated_clicks_cache_hits()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/ignore-by-index.html");
        await Expect(test.Page.Locator("#run-button-2")).ToBeEnabledAsync(); // the initial call has ended
        var text = "index-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.FillAsync("#input-2", text);

        await test.Page.ClickAsync("#run-button-2");
        await Expect(test.Page.Locator("#result-2")).ToHaveTextAsync($"Result for '{text}'");
        await Expect(test.Page.Locator("#run-button-2")).ToBeEnabledAsync();
        var before = test.RequestCount;
        await test.Page.ClickAsync("#run-button-2");

        await test.WaitForEventAsync("done", e => e.GetProperty("cached").GetBoolean());
        Assert.DoesNotContain(test.RequestsSince(before), r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task A_callback_without_prevent_initial_call_runs_when_the_page_loads()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/ignore-by-index.html");

        var invoked = Assert.Single(await test.EventsAsync("invoke"));
        Assert.Equal("ignore-by-index", invoked.GetProperty("callbackId").GetString());
        Assert.Equal(0, invoked.GetProperty("triggered").GetArrayLength());
        await Expect(test.Page.Locator("#result-2")).ToHaveTextAsync("Result for 'hello'");
    }

    [BrowserFact]
    public async Task Prevent_initial_call_keeps_the_page_from_invoking_on_load()
    {
        await using var test = await browser.NewPageAsync();

        // Ready resolves once the initial invocations have been sent.
        await test.OpenAsync("/examples/ignore-by-name.html");

        Assert.Empty(await test.EventsAsync("invoke"));
        Assert.DoesNotContain(test.Requests, r => r.StartsWith("POST ", StringComparison.Ordinal));
        Assert.Equal(string.Empty, await test.Page.TextContentAsync("#result-1"));
    }
}
