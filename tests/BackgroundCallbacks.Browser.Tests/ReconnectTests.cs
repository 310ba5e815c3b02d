using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// A page keeps following its job through a network outage: it keeps the running state, shows a quiet reconnecting
/// state instead of an error, and shows the result once the network is back, without a reload.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReconnectTests(BrowserFixture browser)
{
    [BrowserFact]
    public Task Offline_for_4_seconds_mid_job_then_back_online_shows_the_result_without_a_reload() => OfflineMidJobAsync(4);

    [BrowserFact]
    public Task Offline_for_30_seconds_mid_job_then_back_online_shows_the_result_without_a_reload() => OfflineMidJobAsync(30);

    private async Task OfflineMidJobAsync(int offlineSeconds)
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/progress.html");
        await test.Page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await test.Page.ClickAsync("#progress-run");
        await Expect(test.Page.Locator("#progress-bar")).ToHaveAttributeAsync("value", new System.Text.RegularExpressions.Regex("^[1-9]$"));

        await test.Context.SetOfflineAsync(true);
        var outage = DateTime.UtcNow;

        // The page notices, says so quietly, and keeps the job's running state.
        await Expect(test.Page.Locator("html")).ToHaveAttributeAsync("data-bc-reconnecting", "", new() { Timeout = 15_000 });
        var note = test.Page.Locator(".bc-reconnecting[role=status]");
        await Expect(note).ToHaveTextAsync("Reconnecting\u2026");
        await Expect(test.Page.Locator("#progress-run")).ToBeDisabledAsync();
        await Expect(test.Page.Locator("#progress-stop")).ToBeEnabledAsync();
        await Expect(test.Page.Locator("#progress-bar")).ToBeVisibleAsync();
        if (offlineSeconds == 4)
        {
            await test.ScreenshotAsync("reconnecting");
        }

        // The outage itself is what is tested: the page stays offline this long, whatever it does meanwhile.
        var left = TimeSpan.FromSeconds(offlineSeconds) - (DateTime.UtcNow - outage);
        if (left > TimeSpan.Zero)
        {
            await test.Page.WaitForTimeoutAsync((float)left.TotalMilliseconds);
        }

        await Expect(test.Page.Locator("#progress-run")).ToBeDisabledAsync();
        await Expect(note).ToBeVisibleAsync();
        Assert.Empty(await test.EventsAsync("error"));
        Assert.Equal(0, await test.Page.Locator(".bc-error-banner").CountAsync());

        await test.Context.SetOfflineAsync(false);

        // The job ended on the server during the outage; the retry waits end with the browser's "online" event, so the
        // result comes without the page's longest back-off (30 s) and without a reload.
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 15_000 });
        Assert.True(await test.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        await Expect(test.Page.Locator("html")).Not.ToHaveAttributeAsync("data-bc-reconnecting", "");
        await Expect(note).ToHaveCountAsync(0);
        await Expect(test.Page.Locator("#progress-run")).ToBeEnabledAsync();
        Assert.Empty(await test.EventsAsync("error"));
        Assert.Equal(0, await test.Page.Locator(".bc-error-banner").CountAsync());
        var connection = await test.EventsAsync("connection");
        Assert.Equal([true, false], connection.Select(e => e.GetProperty("reconnecting").GetBoolean()));
    }

    [BrowserFact]
    public async Task The_running_state_is_kept_until_the_server_says_the_job_is_gone()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/disable.html");
        // Neither the event stream nor a poll gets through: the server is unreachable.
        var gone = false;
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/jobs/", StringComparison.Ordinal) || url.Contains("/_callbacks/events", StringComparison.Ordinal),
            route => gone && route.Request.Url.Contains("/_callbacks/jobs/", StringComparison.Ordinal)
                ? route.FulfillAsync(new() { Status = 404, ContentType = "application/problem+json", Body = """{"title":"Not Found","status":404}""" })
                : route.AbortAsync());

        await test.Page.ClickAsync("#disable-run");

        await Expect(test.Page.Locator("html")).ToHaveAttributeAsync("data-bc-reconnecting", "", new() { Timeout = 15_000 });
        await Expect(test.Page.Locator("#disable-run")).ToBeDisabledAsync();
        Assert.Empty(await test.EventsAsync("error"));

        // The server answers again, and says it does not know the job (it expired): now the page gives up.
        gone = true;
        var error = await test.WaitForEventAsync("error", _ => true, 45_000);
        Assert.Equal("The job is no longer known to the server.", error.GetProperty("message").GetString());
        await Expect(test.Page.Locator("#disable-run")).ToBeEnabledAsync();
        await Expect(test.Page.Locator("html")).Not.ToHaveAttributeAsync("data-bc-reconnecting", "");
        var banner = test.Page.Locator(".bc-error-banner[role=alert]");
        await Expect(banner).ToContainTextAsync("The job is no longer known to the server.");
        Assert.DoesNotContain("disable", await banner.TextContentAsync() ?? "", StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task A_page_with_its_own_reconnecting_note_shows_that_instead_of_the_clients()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/disable.html");
        await test.Page.EvaluateAsync("""
            () => {
              const note = document.createElement("p");
              note.id = "own-note";
              note.hidden = true;
              note.setAttribute("data-bc-reconnecting-note", "");
              note.textContent = "Connection lost, still trying";
              document.body.appendChild(note);
            }
            """);
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/jobs/", StringComparison.Ordinal) || url.Contains("/_callbacks/events", StringComparison.Ordinal),
            route => route.AbortAsync());

        await test.Page.ClickAsync("#disable-run");

        await Expect(test.Page.Locator("#own-note")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal(0, await test.Page.Locator(".bc-reconnecting").CountAsync());

        await test.Page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await Expect(test.Page.Locator("#disable-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 45_000 });
        await Expect(test.Page.Locator("#own-note")).ToBeHiddenAsync();
    }

    [BrowserFact]
    public async Task A_stream_that_goes_silent_is_given_up_and_the_job_is_followed_by_long_poll()
    {
        await using var test = await browser.NewPageAsync();
        // A connection that dies without a word: the stream stays open, but nothing it receives reaches the page.
        await test.Page.AddInitScriptAsync("""
            window.__silence = false;
            const Recorded = window.EventSource;
            window.EventSource = class extends Recorded {
              addEventListener(type, listener, options) {
                super.addEventListener(type, (e) => { if (!window.__silence) listener.call(this, e); }, options);
              }
              set onopen(handler) { super.onopen = (e) => { if (!window.__silence) handler.call(this, e); }; }
              get onopen() { return super.onopen; }
              set onerror(handler) { super.onerror = (e) => { if (!window.__silence) handler.call(this, e); }; }
              get onerror() { return super.onerror; }
            };
            """);
        await test.OpenAsync("/examples/progress.html");
        await test.Page.ClickAsync("#progress-run");
        await Expect(test.Page.Locator("#progress-bar")).ToHaveAttributeAsync("value", new System.Text.RegularExpressions.Regex("^[1-9]$"));
        Assert.Equal("events", await test.TransportAsync());

        await test.Page.EvaluateAsync("() => { window.__silence = true; }");

        // The server's heartbeat is 2 s here (the map says so): after 9 s of silence the page long polls, and gets the result.
        await Expect(test.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Contains(test.ConsoleWarnings, w => w.Contains("the event stream has been silent", StringComparison.Ordinal));
        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal) && r.Contains("wait=", StringComparison.Ordinal));
        Assert.Empty(await test.EventsAsync("error"));
    }
}
