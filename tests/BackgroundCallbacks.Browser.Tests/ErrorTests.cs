using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>Failures are shown in the page, and the running values are set back whatever happened.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ErrorTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task A_failing_handler_shows_its_error_in_the_page()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/failing.html");
        var error = test.Page.Locator("[data-bc-error-for=failing]");
        await Expect(error).ToBeHiddenAsync();

        await test.Page.ClickAsync("#failing-run");

        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveTextAsync("The report could not be built: its data source is offline (this handler fails on purpose).");
        await Expect(test.Page.Locator("#failing-run")).ToBeEnabledAsync();
        Assert.Equal("Not run yet", await test.Page.TextContentAsync("#failing-paragraph"));
        await test.ScreenshotAsync("failing-error");
    }

    [BrowserFact]
    public async Task Running_values_are_set_back_and_a_banner_shown_when_the_server_cannot_be_reached()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/disable.html");
        await test.Page.RouteAsync(url => url.Contains("/_callbacks/callbacks/", StringComparison.Ordinal), route => route.AbortAsync());

        await test.Page.ClickAsync("#disable-run");

        var banner = test.Page.Locator(".bc-error-banner[role=alert]");
        await Expect(banner).ToContainTextAsync("Could not reach the server");
        Assert.DoesNotContain("disable", await banner.TextContentAsync() ?? "", StringComparison.Ordinal); // the callback's id is for the console
        await Expect(test.Page.Locator("#disable-run")).ToBeEnabledAsync();
        Assert.Equal("Button not clicked", await test.Page.TextContentAsync("#disable-paragraph"));
    }

    [BrowserFact]
    public async Task Jobs_are_followed_by_plain_polling_when_long_polls_fail()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/basic.html");
        // A proxy that cuts requests held open: the event stream and every long poll fail, plain polls get through.
        await test.Page.RouteAsync(
            url => url.Contains("/_callbacks/events", StringComparison.Ordinal)
                || (url.Contains("/_callbacks/jobs/", StringComparison.Ordinal) && url.Contains("wait=", StringComparison.Ordinal)),
            route => route.AbortAsync());

        await test.Page.ClickAsync("#basic-run");

        // A long poll failed and the plain poll right after it got through: a proxy, so the page polls plainly.
        await Expect(test.Page.Locator("#basic-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        Assert.Contains(test.Requests, r => r.StartsWith("GET /_callbacks/jobs/", StringComparison.Ordinal) && !r.Contains("wait=", StringComparison.Ordinal));
        Assert.Empty(await test.EventsAsync("error"));
        Assert.Equal("poll", await test.TransportAsync());
    }
}
