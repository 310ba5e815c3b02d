using System.Text.Json;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>The five long-callback examples of the Dash documentation, in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LongCallbackTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Basic_example_shows_the_jobs_result_without_a_page_load()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/basic.html");

        await test.Page.ClickAsync("#basic-run");

        await Expect(test.Page.Locator("#basic-paragraph")).ToHaveTextAsync("Clicked 1 times");
        Assert.Contains(test.Requests, r => r.StartsWith("POST /_callbacks/callbacks/basic", StringComparison.Ordinal));
        // Followed by the browser's event stream, not by polls.
        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/events?jobs=", StringComparison.Ordinal));
        Assert.DoesNotContain(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task Button_is_disabled_while_the_job_runs_and_enabled_after()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/disable.html");
        var button = test.Page.Locator("#disable-run");
        await Expect(button).ToBeEnabledAsync();

        await button.ClickAsync();

        await Expect(button).ToBeDisabledAsync();
        Assert.Equal("Button not clicked", await test.Page.TextContentAsync("#disable-paragraph"));
        await Expect(test.Page.Locator("#disable-paragraph")).ToHaveTextAsync("Clicked 1 times");
        await Expect(button).ToBeEnabledAsync();
    }

    [BrowserFact]
    public async Task Cancel_stops_the_job_and_leaves_the_output_unchanged_and_a_later_run_works()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        var run = test.Page.Locator("#progress-run");
        var stop = test.Page.Locator("#progress-stop");
        await Expect(stop).ToBeDisabledAsync();

        var stopped = await test.PressWhenEnabledAsync("#progress-stop");
        await run.ClickAsync();
        await stopped;

        var canceled = await test.WaitForEventAsync("done", e => e.GetProperty("status").GetString() == "canceled");
        Assert.Contains(test.Requests, r => r.StartsWith("DELETE /_callbacks/jobs/" + canceled.GetProperty("handle").GetString(), StringComparison.Ordinal));
        await Expect(run).ToBeEnabledAsync();
        await Expect(stop).ToBeDisabledAsync();
        var responses = await test.ResponsesAsync();
        Assert.Contains(responses, r => r.Body.TryGetProperty("status", out var s) && s.GetString() == "canceled");
        Assert.DoesNotContain(responses, r => r.Body.TryGetProperty("outputs", out _));
        Assert.Equal("Button not clicked", await test.Page.TextContentAsync("#progress-paragraph"));
        Assert.False(await test.Page.Locator("#progress-bar").EvaluateAsync<bool>("bar => bar.hasAttribute('value')"));

        await run.ClickAsync();

        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 2 times");
        await Expect(run).ToBeEnabledAsync();
    }

    [BrowserFact]
    public async Task Progress_bar_advances_and_resets_to_its_default()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        // Record every value the client gives the bar: each mutation's old value, then the value it has at the end.
        await test.Page.EvaluateAsync("""
            () => {
              const bar = document.getElementById("progress-bar");
              window.__old = [];
              new MutationObserver((records) => records.forEach((r) => window.__old.push(r.oldValue)))
                .observe(bar, { attributes: true, attributeFilter: ["value"], attributeOldValue: true });
            }
            """);

        await test.Page.ClickAsync("#progress-run");

        await Expect(test.Page.Locator("#progress-bar")).ToHaveCSSAsync("visibility", "visible");
        await Expect(test.Page.Locator("#progress-bar")).ToHaveAttributeAsync("max", "10");
        await test.ScreenshotAsync("progress-running");
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times");
        await Expect(test.Page.Locator("#progress-bar")).ToHaveCSSAsync("visibility", "hidden");

        var values = await test.Page.EvaluateAsync<string?[]>("() => window.__old.slice(1).concat([document.getElementById('progress-bar').getAttribute('value')])");
        var shown = values.Where(v => v is not null).Select(v => double.Parse(v!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(shown.Count >= 3, $"The bar showed too few steps: {string.Join(", ", values)}");
        Assert.Equal(shown.Order(), shown);
        Assert.Equal(10, shown[^1]);
        // The progress default (none declared: null) removes the value: the bar is back to its initial state.
        Assert.Null(values[^1]);
        Assert.False(await test.Page.Locator("#progress-bar").EvaluateAsync<bool>("bar => bar.hasAttribute('value')"));
    }

    [BrowserFact]
    public async Task Progress_chart_is_drawn_by_the_custom_renderer_and_returns_to_the_default_figure()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress-chart.html");
        var graph = test.Page.Locator("#chart-graph");
        // The page's initial figure (data-bc-props) is drawn by the renderer the page registered.
        await Expect(graph.Locator(".bar-chart .label")).ToHaveTextAsync("0 of 10");

        await test.Page.ClickAsync("#chart-run");

        await Expect(graph).ToHaveCSSAsync("visibility", "visible");
        await Expect(graph.Locator(".bar-chart .label")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[3-9] of 10$"));
        var width = await graph.Locator(".bar-chart .fill").EvaluateAsync<string>("fill => fill.style.width");
        Assert.NotEqual("0%", width);
        await test.ScreenshotAsync("progress-chart-running");
        await Expect(test.Page.Locator("#chart-paragraph")).ToHaveTextAsync("Clicked 1 times");
        await Expect(graph.Locator(".bar-chart .label")).ToHaveTextAsync("0 of 10");
        Assert.Equal("0%", await graph.Locator(".bar-chart .fill").EvaluateAsync<string>("fill => fill.style.width"));
        Assert.Equal(JsonSerializer.Serialize(new { value = 0, max = 10, label = "0 of 10" }), await graph.GetAttributeAsync("data-figure"));
    }

    [BrowserFact]
    public async Task Side_updates_reach_components_that_are_not_outputs_while_the_job_runs()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/labs-chart.html");
        await test.Page.EvaluateAsync("""
            () => {
              const log = document.getElementById("labs-log");
              window.__log = [];
              new MutationObserver(() => window.__log.push(log.textContent)).observe(log, { childList: true, characterData: true, subtree: true });
            }
            """);

        await test.Page.ClickAsync("#labs-run");

        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Step [1-8] of 10 done$"));
        Assert.Equal("Button not clicked", await test.Page.TextContentAsync("#labs-paragraph"));
        await Expect(test.Page.Locator("#labs-paragraph")).ToHaveTextAsync("Clicked 1 times");
        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync("Step 10 of 10 done");
        var seen = await test.Page.EvaluateAsync<string[]>("() => window.__log");
        Assert.True(seen.Distinct().Count() >= 3, $"The log showed too few updates: {string.Join(" | ", seen)}");
    }
}
