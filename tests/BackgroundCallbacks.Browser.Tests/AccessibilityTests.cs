using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// What a screen reader and a keyboard user get from the client by default: outputs marked busy while their job
/// runs, the job's end announced in a polite live region, and the focus given back to the control that started it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser)
{
    private const string LiveRegion = ".bc-live[role=status][aria-live=polite]";

    [BrowserFact]
    public async Task Outputs_are_aria_busy_while_their_job_runs_and_the_end_is_announced_politely()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        var paragraph = test.Page.Locator("#progress-paragraph");
        var live = test.Page.Locator(LiveRegion);
        await Expect(live).ToHaveCountAsync(1);
        await Expect(live).ToBeEmptyAsync();
        Assert.Null(await paragraph.GetAttributeAsync("aria-busy"));

        await test.Page.ClickAsync("#progress-run");

        await Expect(paragraph).ToHaveAttributeAsync("aria-busy", "true");
        await Expect(paragraph).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        await Expect(paragraph).Not.ToHaveAttributeAsync("aria-busy", new System.Text.RegularExpressions.Regex(".*"));
        await Expect(live).ToHaveTextAsync("Run Job! finished.");
    }

    [BrowserFact]
    public async Task A_cancelled_job_and_a_failed_job_are_announced_as_such()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/cancel.html");
        var stopped = await test.PressWhenEnabledAsync("#cancel-stop");
        await test.Page.ClickAsync("#cancel-run");
        await stopped;
        await Expect(test.Page.Locator(LiveRegion)).ToHaveTextAsync("Run Job! cancelled.");

        await test.OpenAsync("/examples/failing.html");
        await test.Page.ClickAsync("#failing-run");
        await Expect(test.Page.Locator(LiveRegion)).ToHaveTextAsync(
            "Build the report failed: The report could not be built: its data source is offline (this handler fails on purpose).");
    }

    [BrowserFact]
    public async Task The_focus_goes_back_to_the_button_that_started_the_job_so_Enter_runs_it_again()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/disable.html");
        var run = test.Page.Locator("#disable-run");
        await run.FocusAsync();

        await test.Page.Keyboard.PressAsync("Enter");

        await Expect(run).ToBeDisabledAsync();
        await Expect(test.Page.Locator("#disable-paragraph")).ToHaveTextAsync("Clicked 1 times");
        await Expect(run).ToBeEnabledAsync();
        await Expect(run).ToBeFocusedAsync();

        await test.Page.Keyboard.PressAsync("Enter");

        await Expect(test.Page.Locator("#disable-paragraph")).ToHaveTextAsync("Clicked 2 times");
        await Expect(run).ToBeFocusedAsync();
    }

    [BrowserFact]
    public async Task A_user_who_moved_the_focus_elsewhere_keeps_it_when_the_job_ends()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/cancel.html");
        await test.Page.Locator("#cancel-run").FocusAsync();

        // The job lasts a second: the page itself moves the focus to Cancel and presses it the moment it is enabled.
        var stopped = await test.PressWhenEnabledAsync("#cancel-stop");
        await test.Page.Keyboard.PressAsync("Enter");
        await stopped;

        await Expect(test.Page.Locator(LiveRegion)).ToHaveTextAsync("Run Job! cancelled.");
        await Expect(test.Page.Locator("#cancel-run")).ToBeEnabledAsync();
        // The cancel button was disabled in turn, dropping the focus: it does not go back to Run, which the user left.
        await Expect(test.Page.Locator("#cancel-run")).Not.ToBeFocusedAsync();
    }

    [BrowserFact]
    public async Task The_samples_progress_bars_are_named_and_its_chart_is_a_progressbar_that_tells_its_value()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        await test.Page.ClickAsync("#progress-run"); // the bar is hidden, and so has no name, until a job runs
        await Expect(test.Page.Locator("#progress-bar")).ToHaveAccessibleNameAsync("Job progress");

        await test.OpenAsync("/examples/rows.html");
        await Expect(test.Page.GetByRole(AriaRole.Progressbar, new() { Name = "Progress of row 2", IncludeHidden = true })).ToHaveCountAsync(1);

        await test.OpenAsync("/examples/progress-chart.html");
        await test.Page.ClickAsync("#chart-run");
        var chart = test.Page.GetByRole(AriaRole.Progressbar, new() { Name = "Job progress" });
        await Expect(chart).ToHaveAttributeAsync("aria-valuenow", new System.Text.RegularExpressions.Regex("^[1-9]$"));
        await Expect(chart).ToHaveAttributeAsync("aria-valuemax", "10");
        await Expect(chart).ToHaveAttributeAsync("aria-valuetext", new System.Text.RegularExpressions.Regex("^[1-9] of 10$"));
    }
}
