using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// Server-side outputs and inline callbacks in Chromium, on the sample's version of dash-extensions' ServersideOutput
/// benchmark: the rows stay on the server and only a reference crosses the wire, unlike the round trip.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ServerSideTests(BrowserFixture browser)
{
    private const string Page = "/examples/server-side.html";
    private const string Forged = "bcref:default:AAAAAAAAAAAAAAAAAAAAAA";

    [BrowserFact]
    public async Task Server_side_mode_shows_the_summary_while_only_a_small_reference_crosses_the_wire()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        await test.Page.SelectOptionAsync("#ss-size", "100000");
        var build = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/server-side-build", StringComparison.Ordinal));
        var summary = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/server-side-summary", StringComparison.Ordinal));

        await test.Page.ClickAsync("#ss-run");

        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("100000");
        await Expect(test.Page.Locator("#ss-mean")).ToHaveTextAsync(Mean());
        await Expect(test.Page.Locator("#ss-elapsed")).ToHaveTextAsync(Elapsed());
        Assert.InRange((await (await build).BodyAsync()).Length, 1, 1023);
        Assert.InRange((await summary).Request.PostDataBuffer?.Length ?? 0, 1, 1023);

        // The reference is kept in data-bc-ref-data, never in the property's own attribute nor in any text.
        var rows = test.Page.Locator("#ss-rows");
        await Expect(rows).ToHaveAttributeAsync("data-bc-ref-data", ReferenceTo("disk"));
        Assert.False(await rows.EvaluateAsync<bool>("e => e.hasAttribute('data')"));
        await Expect(test.Page.Locator("#ss-started")).ToHaveAttributeAsync("data-bc-ref-data", ReferenceTo("default"));
        await Expect(test.Page.Locator("body")).Not.ToContainTextAsync("bcref:");
        await Expect(test.Page.Locator("#ss-run")).ToBeEnabledAsync();
        var done = await test.EventsAsync("done");
        Assert.Contains(done, e => e.GetProperty("callbackId").GetString() == "server-side-build" && e.GetProperty("inline").GetBoolean());
        Assert.Empty(await test.EventsAsync("error"));
        await test.ScreenshotAsync("server-side-summary");
    }

    [BrowserFact]
    public async Task Both_modes_agree_on_the_summary_but_only_the_round_trip_carries_the_rows()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        await test.Page.SelectOptionAsync("#ss-size", "100000");
        var serverSideBuild = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/server-side-build", StringComparison.Ordinal));
        await test.Page.ClickAsync("#ss-run");
        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("100000");
        await Expect(test.Page.Locator("#ss-mean")).ToHaveTextAsync(Mean());
        var mean = await test.Page.TextContentAsync("#ss-mean");
        var small = (await (await serverSideBuild).BodyAsync()).Length;

        // Emptied first, so the round trip's own summary is what the expectations below wait for.
        await test.Page.EvaluateAsync("() => { BackgroundCallbacks.setProps('ss-count', { children: '' }); BackgroundCallbacks.setProps('ss-mean', { children: '' }); }");
        await test.Page.SelectOptionAsync("#ss-mode", "round-trip");
        var roundTripBuild = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/round-trip-build", StringComparison.Ordinal));
        var roundTripSummary = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/round-trip-summary", StringComparison.Ordinal));
        await test.Page.ClickAsync("#ss-run");

        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("100000");
        await Expect(test.Page.Locator("#ss-mean")).ToHaveTextAsync(mean!);
        var large = (await (await roundTripBuild).BodyAsync()).Length;
        var posted = (await roundTripSummary).Request.PostDataBuffer?.Length ?? 0;
        Assert.True(small < 1024, $"The server-side build answered {small} bytes.");
        // 100,000 doubles are well over a megabyte of JSON, each way.
        Assert.True(large > 1_000_000, $"The round-trip build answered {large} bytes.");
        Assert.True(posted > 1_000_000, $"The round-trip summary posted {posted} bytes.");
        await Expect(test.Page.Locator("body")).Not.ToContainTextAsync("bcref:");
        Assert.Empty(await test.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task A_million_rows_round_trip_within_the_sample_limits()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        await test.Page.SelectOptionAsync("#ss-size", "1000000");
        await test.Page.SelectOptionAsync("#ss-mode", "round-trip");

        await test.Page.ClickAsync("#ss-run");

        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("1000000", new() { Timeout = 60_000 });
        await Expect(test.Page.Locator("#ss-mean")).ToHaveTextAsync(Mean());
        Assert.Empty(await test.EventsAsync("error"));
    }

    [BrowserFact]
    public async Task A_failing_inline_callback_shows_its_error_and_sets_the_running_values_back()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        var errors = test.Page.Locator("[data-bc-errors]");
        await Expect(errors).ToBeHiddenAsync();
        await test.Page.SelectOptionAsync("#ss-size", "10000000");

        await test.Page.ClickAsync("#ss-run");

        await Expect(errors).ToBeVisibleAsync();
        await Expect(errors).ToHaveTextAsync("This sample builds at most 1,000,000 rows; 10,000,000 is too many.");
        await Expect(test.Page.Locator("#ss-run")).ToBeEnabledAsync();
        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("Not run yet");
        Assert.False(await test.Page.Locator("#ss-rows").EvaluateAsync<bool>("e => e.hasAttribute('data-bc-ref-data')"));
        var done = await test.WaitForEventAsync("done", e => e.GetProperty("callbackId").GetString() == "server-side-build");
        Assert.Equal("failed", done.GetProperty("status").GetString());
        await test.ScreenshotAsync("server-side-failed");
    }

    [BrowserFact]
    public async Task A_reference_that_is_not_the_sessions_shows_the_servers_detail()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        await test.Page.SelectOptionAsync("#ss-size", "1000");
        await test.Page.ClickAsync("#ss-run");
        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("1000");
        var summary = test.Page.WaitForResponseAsync(r => r.Url.EndsWith("/callbacks/server-side-summary", StringComparison.Ordinal));

        // A forged reference, written as the page's own code would: it re-triggers the summary.
        await test.Page.EvaluateAsync("(forged) => BackgroundCallbacks.setProps('ss-rows', { data: forged })", Forged);

        await Expect(test.Page.Locator("#ss-rows")).ToHaveAttributeAsync("data-bc-ref-data", Forged);
        Assert.Equal(422, (await summary).Status);
        await Expect(test.Page.Locator("[data-bc-errors]")).ToHaveTextAsync(
            "Server-side value not found: The server-side value of ss-rows.data ('rows') does not exist, or belongs to another user or session.");
        await Expect(test.Page.Locator("#ss-count")).ToHaveTextAsync("1000");
    }

    private static Regex ReferenceTo(string store) => new($"^bcref:{store}:[A-Za-z0-9_-]{{22}}$");

    [GeneratedRegex(@"^0\.\d{6}$")]
    private static partial Regex Mean();

    [GeneratedRegex(@"^\d+\.\d{3} s$")]
    private static partial Regex Elapsed();
}
