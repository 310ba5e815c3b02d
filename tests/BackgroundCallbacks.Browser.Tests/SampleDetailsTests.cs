using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// The sample's details, as a user sees them: what a row says while it runs and after a cancel, its bar only while it
/// runs, the labs chart and its log telling the same step, the log after a cancel, and the cache hit the
/// ignore-by-index page promises.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SampleDetailsTests(BrowserFixture browser)
{
    // What a row's status line shows: the visible result or state element's text, or the "Not run yet" placeholder
    // the style sheet draws into an empty result.
    private const string RowStatusLine = """
        (index) => {
          const part = (type) => document.querySelector(`[data-bc-id='{"type":"${type}","index":${index}}']`);
          return [part("row-result"), part("row-state")]
            .filter((e) => e && e.getClientRects().length > 0)
            .map((e) => e.textContent || getComputedStyle(e, "::before").content.replace(/^"|"$/g, ""))
            .join(" | ");
        }
        """;

    private static string Row(string type, int index) => $$"""[data-bc-id='{"type":"{{type}}","index":{{index}}}']""";

    [BrowserFact]
    public async Task A_running_row_says_Running_and_a_cancelled_row_says_Cancelled_never_Not_run_yet()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");
        Assert.Equal("Not run yet", await test.Page.EvaluateAsync<string>(RowStatusLine, 1));

        await test.Page.ClickAsync(Row("row-run", 1));

        await Expect(test.Page.Locator(Row("row-cancel", 1))).ToBeEnabledAsync();
        Assert.Equal("Running…", await test.Page.EvaluateAsync<string>(RowStatusLine, 1));
        await test.ScreenshotAsync("details-row-running");
        await test.Page.ClickAsync(Row("row-cancel", 1));
        var done = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "row");
        Assert.Equal("canceled", done.GetProperty("status").GetString());
        await Expect(test.Page.Locator(Row("row-run", 1))).ToBeEnabledAsync();
        await Expect(test.Page.Locator(Row("row-result", 1))).ToHaveTextAsync("Cancelled");
        Assert.Equal("Cancelled", await test.Page.EvaluateAsync<string>(RowStatusLine, 1));
        await test.ScreenshotAsync("details-row-cancelled");
    }

    [BrowserFact]
    public async Task A_rows_progress_bar_shows_only_while_its_job_runs_and_a_finished_row_shows_its_result_alone()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");
        await Expect(test.Page.Locator(Row("row-progress", 2))).ToBeHiddenAsync();

        await test.Page.ClickAsync(Row("row-run", 2));

        await Expect(test.Page.Locator(Row("row-progress", 2))).ToBeVisibleAsync();
        await Expect(test.Page.Locator(Row("row-result", 2))).ToHaveTextAsync("Row 2: processed 20 items (run 1)");
        await Expect(test.Page.Locator(Row("row-run", 2))).ToBeEnabledAsync();
        await Expect(test.Page.Locator(Row("row-progress", 2))).ToBeHiddenAsync();
        Assert.Equal("Row 2: processed 20 items (run 1)", await test.Page.EvaluateAsync<string>(RowStatusLine, 2));
        await test.ScreenshotAsync("details-row-finished");
    }

    [BrowserFact]
    public async Task The_labs_chart_and_its_log_tell_the_same_step()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/labs-chart.html");
        // Every state the page shows, as (chart label, log line) pairs, taken whenever either changes.
        await test.Page.EvaluateAsync("""
            () => {
              const graph = document.getElementById("labs-graph");
              const log = document.getElementById("labs-log");
              window.__pairs = [];
              const take = () => window.__pairs.push([graph.getAttribute("aria-valuetext"), log.textContent]);
              const observer = new MutationObserver(take);
              observer.observe(graph, { attributes: true, childList: true, characterData: true, subtree: true });
              observer.observe(log, { childList: true, characterData: true, subtree: true });
            }
            """);

        await test.Page.ClickAsync("#labs-run");

        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync(new Regex("^Step [3-8] of 10 done$"));
        await test.ScreenshotAsync("details-labs-running");
        await Expect(test.Page.Locator("#labs-paragraph")).ToHaveTextAsync("Clicked 1 times");
        var pairs = await test.Page.EvaluateAsync<string?[][]>("() => window.__pairs");
        var seen = string.Join(" | ", pairs.Select(p => $"{p[0]} / {p[1]}"));
        // While the job runs; the last step's report, the end and the chart's reset to its default arrive together.
        var running = pairs.Where(p => p[0] != "0 of 10").ToList();
        var steps = running.Select(p => Regex.Match(p[1] ?? "", "^Step ([0-9]+) of 10 done$")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Distinct().ToList();
        // How many steps get rendered depends on the machine's pace (renders are at least an interval apart); one is
        // enough to compare, and the wait above saw one mid-run.
        Assert.True(steps.Count >= 1, $"No step seen while the job ran: {seen}");
        Assert.All(steps, step => Assert.True(
            running.Any(p => p[0] == $"{step} of 10" && p[1] == $"Step {step} of 10 done"),
            $"The log said step {step} but the chart never did at the same time: {seen}"));
        Assert.Equal("Step 10 of 10 done", await test.Page.TextContentAsync("#labs-log"));
    }

    [BrowserFact]
    public async Task A_cancel_replaces_the_labs_log_line_of_the_last_step()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/labs-chart.html");
        await test.Page.ClickAsync("#labs-run");
        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync(new Regex("^Step [1-5] of 10 done$"));

        await test.Page.ClickAsync("#labs-stop");

        var done = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "labs-chart");
        Assert.Equal("canceled", done.GetProperty("status").GetString());
        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync("Cancelled");
        await Expect(test.Page.Locator("#labs-run")).ToBeEnabledAsync();
        Assert.Equal("Cancelled", await test.Page.TextContentAsync("#labs-log"));
        await test.ScreenshotAsync("details-labs-cancelled");
    }

    [BrowserFact]
    public async Task The_chart_label_reads_at_4_5_to_1_or_more_on_the_track_and_on_the_fill()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress-chart.html");

        await test.Page.EvaluateAsync(
            "() => BackgroundCallbacks.setProps('chart-graph', { style: { visibility: 'visible' }, figure: { value: 5, max: 10, label: '5 of 10' } })");

        await Expect(test.Page.Locator("#chart-graph")).ToHaveAttributeAsync("aria-valuetext", "5 of 10");
        await test.Page.WaitForFunctionAsync(
            "() => getComputedStyle(document.querySelector('#chart-graph .track > .label')).clipPath === 'inset(0px 0px 0px 50%)'",
            null, new() { Timeout = 5_000 });
        // Each copy of the label against every colour it can be drawn on: the dark one only where the fill is not
        // (clipped to the right of the fill's edge), the white one only inside the fill (its parent clips it).
        var ratios = await test.Page.EvaluateAsync<string[]>("""
            () => {
              const chart = document.querySelector("#chart-graph .bar-chart");
              const rgb = (text) => text.match(/rgba?\(([^)]+)\)/g).map((c) => c.match(/[0-9.]+/g).slice(0, 3).map(Number));
              const luminance = ([r, g, b]) => [r, g, b].map((v) => v / 255).map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
              const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
              const dark = chart.querySelector(".track > .label");
              const white = chart.querySelector(".fill > .fill-label");
              const track = rgb(getComputedStyle(chart.querySelector(".track")).backgroundColor)[0];
              const fills = rgb(getComputedStyle(chart.querySelector(".fill")).backgroundImage);
              const out = [];
              out.push("dark on track " + ratio(rgb(getComputedStyle(dark).color)[0], track).toFixed(2));
              for (const fill of fills) out.push("white on fill " + ratio(rgb(getComputedStyle(white).color)[0], fill).toFixed(2));
              return out;
            }
            """);

        Assert.Equal(3, ratios.Length); // the track, and the fill gradient's two colours
        Assert.All(ratios, r => Assert.True(double.Parse(r.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 4.5, string.Join("; ", ratios)));
    }

    [BrowserFact]
    public async Task On_the_ignore_by_index_page_the_first_click_after_the_initial_call_is_answered_from_the_cache()
    {
        await using var test = await browser.NewPageAsync();
        // A text of its own, so the initial call runs a job here and now rather than meeting another test's entry.
        var text = "first-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.RouteAsync("**/examples/ignore-by-index.html", async route =>
        {
            var page = await route.FetchAsync();
            var html = (await page.TextAsync()).Replace("value=\"hello\"", $"value=\"{text}\"", StringComparison.Ordinal);
            await route.FulfillAsync(new() { Response = page, Body = html });
        });
        await test.OpenAsync("/examples/ignore-by-index.html");
        var initial = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "ignore-by-index");
        Assert.False(initial.GetProperty("cached").GetBoolean());
        await Expect(test.Page.Locator("#result-2")).ToHaveTextAsync($"Result for '{text}'");
        await Expect(test.Page.Locator("#run-button-2")).ToBeEnabledAsync();
        var requests = test.RequestCount;

        await test.Page.ClickAsync("#run-button-2");

        var answer = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "ignore-by-index" && e.GetProperty("cached").GetBoolean());
        Assert.Equal("succeeded", answer.GetProperty("status").GetString());
        Assert.Equal(2, (await test.EventsAsync("done")).Count);
        Assert.DoesNotContain(test.RequestsSince(requests), r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
        await Expect(test.Page.Locator("#result-2")).ToHaveTextAsync($"Result for '{text}'");
    }
}
