using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// axe-core over every sample page, as loaded at desktop and phone width and again after callbacks have drawn their
/// results, charts, rows and progress bars: no serious or critical violation anywhere.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SampleAccessibilityTests(BrowserFixture browser)
{
    [AxeFact]
    public async Task Every_sample_page_as_loaded_has_no_serious_or_critical_accessibility_violation_at_desktop_width()
    {
        await AssertPagesAsync(1200);
    }

    [AxeFact]
    public async Task Every_sample_page_as_loaded_has_no_serious_or_critical_accessibility_violation_at_375_pixels()
    {
        await AssertPagesAsync(375);
    }

    [AxeFact]
    public async Task Sample_pages_have_no_serious_or_critical_accessibility_violation_while_and_after_their_callbacks_run()
    {
        await using var test = await browser.NewPageAsync();
        var found = new List<string>();
        async Task CheckAsync(string state)
        {
            found.AddRange((await Axe.SeriousViolationsAsync(test.Page)).Select(v => $"{state}: {v}"));
        }

        Task DoneAsync(string callbackId) =>
            test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == callbackId);

        await test.OpenAsync("/examples/basic.html");
        await test.Page.ClickAsync("#basic-run");
        await DoneAsync("basic");
        await CheckAsync("basic.html, done");

        await test.OpenAsync("/examples/progress.html");
        await test.Page.ClickAsync("#progress-run");
        await Expect(test.Page.Locator("#progress-bar")).ToHaveAttributeAsync("value", new Regex("^[1-9]$"));
        await CheckAsync("progress.html, running");
        await DoneAsync("progress");
        await CheckAsync("progress.html, done");

        await test.OpenAsync("/examples/progress-chart.html");
        await test.Page.ClickAsync("#chart-run");
        await Expect(test.Page.Locator("#chart-graph .bar-chart .label")).ToHaveTextAsync(new Regex("^[1-9] of 10$"));
        await CheckAsync("progress-chart.html, running");
        await DoneAsync("chart");
        await CheckAsync("progress-chart.html, done");
        // The chart's label against its fill wherever the fill's edge is, not only where a run happened to be.
        foreach (var value in new[] { 1, 3, 5, 7, 10 })
        {
            await test.Page.EvaluateAsync(
                "v => BackgroundCallbacks.setProps('chart-graph', { style: { visibility: 'visible' }, figure: { value: v, max: 10, label: v + ' of 10' } })", value);
            await Expect(test.Page.Locator("#chart-graph")).ToHaveAttributeAsync("aria-valuenow", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await CheckAsync($"progress-chart.html, the chart drawn at {value} of 10");
        }

        await test.OpenAsync("/examples/labs-chart.html");
        await test.Page.ClickAsync("#labs-run");
        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync(new Regex("^Step [1-9] of 10 done$"));
        await CheckAsync("labs-chart.html, running");
        await DoneAsync("labs-chart");
        await CheckAsync("labs-chart.html, done");

        await test.OpenAsync("/examples/rows.html");
        await test.Page.ClickAsync(Row("row-run", 1));
        await test.Page.ClickAsync(Row("row-run", 2));
        await Expect(test.Page.Locator(Row("row-progress", 1))).Not.ToHaveAttributeAsync("value", "0");
        await CheckAsync("rows.html, running");
        await test.Page.ClickAsync(Row("row-cancel", 2));
        await test.Page.ClickAsync("#add-row");
        await DoneAsync("row");
        await Expect(test.Page.Locator(Row("row-run", 1))).ToBeEnabledAsync();
        await CheckAsync("rows.html, one done, one cancelled, one added");

        await test.OpenAsync("/examples/queue.html");
        await test.Page.ClickAsync("#queue-start-all");
        await Expect(test.Page.Locator(".queue:not([hidden])").First).ToBeVisibleAsync();
        await CheckAsync("queue.html, waiting in line");

        await test.OpenAsync("/examples/ignore-by-name.html");
        await test.Page.ClickAsync("#run-button-1");
        await Expect(test.Page.Locator("#status-1")).ToHaveTextAsync(new Regex("^Progress [0-3]/4$"));
        await CheckAsync("ignore-by-name.html, running");

        await test.OpenAsync("/examples/failing.html");
        await test.Page.ClickAsync("#failing-run");
        await Expect(test.Page.Locator("[data-bc-error-for=failing]")).ToBeVisibleAsync();
        await CheckAsync("failing.html, failed");

        await test.OpenAsync("/examples/search.html");
        await test.Page.FillAsync("#search-input", "ab");
        await DoneAsync("search");
        await CheckAsync("search.html, answered");

        await test.OpenAsync("/examples/request.html");
        await test.Page.ClickAsync("#greeting-run");
        await Expect(test.Page.Locator("#greeting-paragraph")).Not.ToHaveTextAsync("Button not clicked");
        await CheckAsync("request.html, done");

        Assert.True(found.Count == 0, "Serious or critical accessibility violations:\n" + string.Join("\n", found));
    }

    private static string Row(string type, int index) => $$"""[data-bc-id='{"type":"{{type}}","index":{{index}}}']""";

    private async Task AssertPagesAsync(int width)
    {
        await using var test = await browser.NewPageAsync();
        await test.Page.SetViewportSizeAsync(width, 800);
        var found = new List<string>();
        foreach (var path in SamplePagesTests.Pages)
        {
            await test.Page.GotoAsync(path);
            if (path != "/")
            {
                await test.WhenReadyAsync();
            }

            await test.Page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            found.AddRange((await Axe.SeriousViolationsAsync(test.Page)).Select(v => $"{path}: {v}"));
        }

        Assert.True(found.Count == 0, $"Serious or critical accessibility violations at {width} px:\n" + string.Join("\n", found));
    }
}
