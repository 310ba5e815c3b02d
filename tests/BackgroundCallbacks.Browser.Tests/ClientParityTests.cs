using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// The client behaviours Dash users expect: one-value running entries, the page location as a component, optional
/// inputs and two callbacks writing one output. The callbacks are the sample's Callbacks/ClientParityExamples.cs; each
/// test serves its own small page, whose jobs wait on a gate of its own until the test opens it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ClientParityTests(BrowserFixture browser)
{
    private static async Task OpenAsync(TestPage test, string path, string body)
    {
        var gate = Guid.NewGuid().ToString("N");
        await test.Page.RouteAsync("**" + path, route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"""
                <!doctype html><html lang="en"><title>Parity</title>
                <input id="parity-gate" value="{gate}" aria-label="Gate"><button id="parity-release">Release</button><span id="parity-released"></span>
                {body}
                <script src="/_callbacks/client.js" defer></script></html>
                """,
        }));
        await test.OpenAsync(path);
    }

    private static Task ReleaseAsync(TestPage test) => test.Page.ClickAsync("#parity-release");

    private static async Task<int> InvocationsAsync(TestPage test, string callbackId) =>
        (await test.EventsAsync("invoke")).Count(e => e.GetProperty("callbackId").GetString() == callbackId);

    private static async Task WaitForJobsAsync(TestPage test, string callbackId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await test.EventsAsync("job")).Count(e => e.GetProperty("callbackId").GetString() == callbackId) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Fewer than {count} jobs of {callbackId} were queued. Requests: {string.Join(", ", test.Requests)}");
            }

            await test.Page.WaitForTimeoutAsync(50);
        }
    }

    [BrowserFact]
    public async Task A_button_disabled_by_a_one_value_running_entry_is_enabled_again_after_the_job()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/restore.html", """<button id="restore-run">Run</button><p id="restore-status">Idle</p><p id="restore-out"></p>""");
        var button = test.Page.Locator("#restore-run");
        await Expect(button).ToBeEnabledAsync();

        await button.ClickAsync();

        await Expect(button).ToBeDisabledAsync();
        await ReleaseAsync(test);
        await Expect(test.Page.Locator("#restore-out")).ToHaveTextAsync("Done 1");
        await Expect(button).ToBeEnabledAsync();
    }

    [BrowserFact]
    public async Task A_one_value_running_entry_gives_back_the_text_the_component_had_when_the_job_started()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/restore.html", """<button id="restore-run">Run</button><p id="restore-status">Idle</p><p id="restore-out"></p>""");
        var status = test.Page.Locator("#restore-status");
        // Changed after load: the value given back is read when the job starts, not when the page loaded.
        await status.EvaluateAsync("p => p.textContent = 'Custom text before the run'");

        await test.Page.ClickAsync("#restore-run");

        await Expect(status).ToHaveTextAsync("Working…");
        await ReleaseAsync(test);
        await Expect(test.Page.Locator("#restore-out")).ToHaveTextAsync("Done 1");
        await Expect(status).ToHaveTextAsync("Custom text before the run");
    }

    [BrowserFact]
    public async Task A_superseding_run_gives_back_the_value_from_before_the_first_run_not_the_running_value()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/restore.html", """<button id="restore-run">Run</button><p id="restore-status">Idle</p><p id="restore-out"></p>""");
        var status = test.Page.Locator("#restore-status");
        await test.Page.ClickAsync("#restore-run");
        await Expect(status).ToHaveTextAsync("Working…");
        // The first job must exist before the second run: an invocation made while the first POST is still in flight
        // waits behind it and drops its answer, and then only one job is ever followed.
        await WaitForJobsAsync(test, "parity-restore", 1);

        // A second run while the first runs (the button is disabled, so from page code), on a gate of its own.
        await test.Page.EvaluateAsync("""
            () => {
              BackgroundCallbacks.setProps("parity-gate", { value: "second-" + Math.random() });
              BackgroundCallbacks.setProps("restore-run", { n_clicks: 2 });
            }
            """);
        await WaitForJobsAsync(test, "parity-restore", 2);
        await ReleaseAsync(test);

        await Expect(test.Page.Locator("#restore-out")).ToHaveTextAsync("Done 2");
        await Expect(status).ToHaveTextAsync("Idle");
        await Expect(test.Page.Locator("#restore-run")).ToBeEnabledAsync();
    }

    private const string LocationPage = """<bc-location id="parity-url"></bc-location><p id="location-out"></p><p id="hash-out"></p>""";

    [BrowserFact]
    public async Task A_location_input_fires_on_pushState_with_the_new_pathname()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/location.html", LocationPage);
        var output = test.Page.Locator("#location-out");
        await Expect(output).ToHaveTextAsync("/parity/location.html|");

        await test.Page.EvaluateAsync("() => history.pushState(null, '', '/parity/a?x=1')");

        await Expect(output).ToHaveTextAsync("/parity/a|?x=1");
    }

    [BrowserFact]
    public async Task A_location_input_fires_when_the_user_goes_back()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/location.html", LocationPage);
        var output = test.Page.Locator("#location-out");
        await test.Page.EvaluateAsync("() => history.pushState(null, '', '/parity/a?x=1')");
        await Expect(output).ToHaveTextAsync("/parity/a|?x=1");

        await test.Page.EvaluateAsync("() => history.back()");

        await Expect(output).ToHaveTextAsync("/parity/location.html|");
    }

    [BrowserFact]
    public async Task A_hash_change_fires_the_hash_input_and_not_the_pathname_input()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/location.html", LocationPage);
        await Expect(test.Page.Locator("#hash-out")).ToHaveTextAsync("hash:");
        await Expect(test.Page.Locator("#location-out")).ToHaveTextAsync("/parity/location.html|");

        await test.Page.EvaluateAsync("() => { location.hash = 'part'; }");

        await Expect(test.Page.Locator("#hash-out")).ToHaveTextAsync("hash:#part");
        Assert.Equal(2, await InvocationsAsync(test, "parity-hash")); // the page's first call, then the change
        Assert.Equal(1, await InvocationsAsync(test, "parity-location"));
    }

    [BrowserFact]
    public async Task A_location_state_is_sent_but_a_change_of_it_does_not_fire()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/location.html", LocationPage);
        var output = test.Page.Locator("#location-out");
        await Expect(output).ToHaveTextAsync("/parity/location.html|");

        // Only the search (State) changes; the hash change after it is a point by which any invocation has been sent.
        await test.Page.EvaluateAsync("() => { history.replaceState(null, '', '?q=2'); location.hash = 'sync'; }");
        await Expect(test.Page.Locator("#hash-out")).ToHaveTextAsync("hash:#sync");
        Assert.Equal(1, await InvocationsAsync(test, "parity-location"));

        await test.Page.EvaluateAsync("() => history.pushState(null, '', '/parity/b' + location.search)");

        await Expect(output).ToHaveTextAsync("/parity/b|?q=2");
        Assert.Equal(2, await InvocationsAsync(test, "parity-location"));
    }

    [BrowserFact]
    public async Task Writing_the_location_pathname_pushes_a_history_entry_without_a_page_load_and_fires_its_inputs()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/location.html", LocationPage + """<button id="navigate-go">Go</button>""");
        await Expect(test.Page.Locator("#location-out")).ToHaveTextAsync("/parity/location.html|");
        var before = await test.Page.EvaluateAsync<int>("() => { window.__sameDocument = true; return history.length; }");

        await test.Page.ClickAsync("#navigate-go");

        await Expect(test.Page.Locator("#location-out")).ToHaveTextAsync("/parity/page-1|");
        Assert.Equal("/parity/page-1", new Uri(test.Page.Url).AbsolutePath);
        Assert.True(await test.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        Assert.Equal(before + 1, await test.Page.EvaluateAsync<int>("() => history.length"));
    }

    [BrowserFact]
    public async Task An_optional_state_missing_from_the_page_reaches_the_handler_as_null()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/optional.html", """<button id="optional-run">Run</button><p id="optional-out">not run</p>""");

        await test.Page.ClickAsync("#optional-run");

        await Expect(test.Page.Locator("#optional-out")).ToHaveTextAsync("missing is null");
        Assert.DoesNotContain(test.ConsoleWarnings, w => w.Contains("parity-optional", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task A_missing_state_that_is_not_optional_gets_one_console_warning_however_often_the_callback_would_fire()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/required.html",
            """<button id="required-run">Run</button><p id="required-out">not run</p><button id="optional-run">Run</button><p id="optional-out">not run</p>""");

        for (var i = 0; i < 3; i++)
        {
            await test.Page.ClickAsync("#required-run");
        }

        // A later invocation that does run: by its answer, the clicks before it have long been handled.
        await test.Page.ClickAsync("#optional-run");
        await Expect(test.Page.Locator("#optional-out")).ToHaveTextAsync("missing is null");
        var warning = Assert.Single(test.ConsoleWarnings, w => w.Contains("required-missing", StringComparison.Ordinal));
        Assert.Contains("\"parity-required\"", warning);
        Assert.DoesNotContain(test.Requests, r => r.Contains("/_callbacks/callbacks/parity-required", StringComparison.Ordinal));
        Assert.Equal("not run", await test.Page.TextContentAsync("#required-out"));
    }

    [BrowserFact]
    public async Task Two_callbacks_writing_one_output_show_the_later_answer_and_neither_cancels_the_other()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAsync(test, "/parity/duplicate.html",
            """<button id="slow-run">Slow</button><button id="fast-run">Fast</button><p id="duplicate-out">none</p>""");
        var output = test.Page.Locator("#duplicate-out");

        await test.Page.ClickAsync("#slow-run");
        await test.WaitForEventAsync("job", e => e.GetProperty("callbackId").GetString() == "parity-slow");
        await test.Page.ClickAsync("#fast-run");

        await Expect(output).ToHaveTextAsync("fast 1");
        await ReleaseAsync(test);
        await Expect(output).ToHaveTextAsync("slow 1");
        var slow = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "parity-slow");
        var fast = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "parity-fast");
        Assert.Equal("succeeded", slow.GetProperty("status").GetString());
        Assert.Equal("succeeded", fast.GetProperty("status").GetString());
        Assert.Empty(await test.EventsAsync("cancel"));
        Assert.DoesNotContain(await test.ResponsesAsync(), r => r.Body.TryGetProperty("status", out var s) && s.GetString() == "canceled");
    }
}
