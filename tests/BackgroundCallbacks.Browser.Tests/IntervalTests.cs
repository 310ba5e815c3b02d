using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// A callback's <c>Interval</c> is the least time between two renders of its running job's news, whatever the
/// transport: reports that come sooner wait, and only the latest progress is shown.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class IntervalTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Progress_is_rendered_at_most_once_per_interval_and_the_last_report_is_not_lost()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html"); // Interval 1000 ms (the default); a report every 250 ms here
        await test.Page.EvaluateAsync("""
            () => {
              const bar = document.getElementById("progress-bar");
              window.__renders = [];
              new MutationObserver((records) => {
                for (const r of records) {
                  window.__renders.push({ at: performance.now(), value: bar.getAttribute("value"), old: r.oldValue });
                }
              }).observe(bar, { attributes: true, attributeFilter: ["value"], attributeOldValue: true });
            }
            """);

        await test.Page.ClickAsync("#progress-run");
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });

        var streamed = (await test.StreamedJobsAsync()).Count(j => j.TryGetProperty("progress", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Array);
        var renders = await test.Page.EvaluateAsync<Render[]>("() => window.__renders.map((r) => ({ at: r.at, old: r.old }))");
        // Each render but the reset at the end records the value it replaced; the times are when each was set.
        var shown = renders.Skip(1).Select(r => r.Old).Append(null).ToList();
        var times = renders.Select(r => r.At).ToList();
        var during = times.Count - 2; // the last report and the reset to the default come together, at the end
        Assert.True(during >= 2, $"Too few renders to judge: {renders.Length}");
        for (var i = 1; i < during; i++)
        {
            Assert.True(times[i] - times[i - 1] >= 990, $"Renders {i - 1} and {i} were {times[i] - times[i - 1]:F0} ms apart: {string.Join(", ", times.Select(t => t.ToString("F0")))}");
        }

        Assert.True(streamed > during, $"The server sent {streamed} progress reports; the page rendered {during} of them, not fewer.");
        Assert.Contains("10", shown); // the last report was shown before the result
    }

    [BrowserFact]
    public async Task A_side_update_waiting_for_its_turn_when_the_job_is_cancelled_is_never_shown()
    {
        await using var test = await browser.NewPageAsync();
        // Interval 1000 ms; each step writes the log with SetProps, and the cancel's own inline callback writes "Cancelled".
        await test.OpenAsync("/examples/labs-chart.html");
        await test.Page.EvaluateAsync("""
            () => {
              const log = document.getElementById("labs-log");
              window.__writes = [];
              new MutationObserver((records) => {
                for (const r of records) {
                  for (const node of r.addedNodes) window.__writes.push({ at: performance.now(), text: node.textContent });
                  if (r.type === "characterData") window.__writes.push({ at: performance.now(), text: r.target.textContent });
                }
              }).observe(log, { childList: true, characterData: true, subtree: true });
            }
            """);

        await test.Page.ClickAsync("#labs-run");
        // Cancel at the moment a streamed step waits for its render turn: the stream has brought a newer log line than
        // the page shows.
        await test.Page.WaitForFunctionAsync("""
            () => {
              const shown = document.getElementById("labs-log").textContent;
              const lines = window.__bcStream.flatMap((j) => (j.sideUpdates || []).map((u) => u.props && u.props.children));
              const latest = lines.length ? lines[lines.length - 1] : null;
              if (!/^Step /.test(shown) || !latest || latest === shown) {
                return false;
              }
              window.__cancelAt = performance.now();
              window.__waiting = latest;
              document.getElementById("labs-stop").click();
              return true;
            }
            """, null, new() { Timeout = 20_000, PollingInterval = 10 });
        var done = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "labs-chart");
        await Expect(test.Page.Locator("#labs-log")).ToHaveTextAsync("Cancelled");
        await Expect(test.Page.Locator("#labs-run")).ToBeEnabledAsync();

        Assert.Equal("canceled", done.GetProperty("status").GetString());
        var after = await test.Page.EvaluateAsync<string[]>("() => window.__writes.filter((w) => w.at > window.__cancelAt).map((w) => w.text)");
        var waiting = await test.Page.EvaluateAsync<string>("() => window.__waiting");
        Assert.DoesNotContain(waiting, after);
        Assert.All(after, text => Assert.Equal("Cancelled", text));
    }

    public sealed class Render
    {
        public double At { get; set; }

        public string? Old { get; set; }
    }
}
