using System.Text.Json;
using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// The sample's "One page, several views" page (examples/pages.html): links change the location's hash, a cached
/// background callback fills the view, back restores the previous view, Refresh answers from the cache, and the
/// one-value running entries give back what the page held.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SamplePagesExampleTests(BrowserFixture browser)
{
    private const string Path = "/examples/pages.html";

    private static bool IsView(JsonElement e) => e.GetProperty("callbackId").GetString() == "pages-view";

    private static async Task<int> ViewsDoneAsync(TestPage test) => (await test.EventsAsync("done")).Count(IsView);

    // Waits for the next end of a pages-view invocation after the given count, and returns it.
    private static async Task<JsonElement> NextViewDoneAsync(TestPage test, int before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var done = (await test.EventsAsync("done")).Where(IsView).ToList();
            if (done.Count > before)
            {
                return done[before];
            }

            Assert.True(DateTime.UtcNow < deadline, $"No end of pages-view after {before}. Requests: {string.Join(", ", test.Requests)}");
            await test.Page.WaitForTimeoutAsync(50);
        }
    }

    private static async Task OpenAtAsync(TestPage test, string hash)
    {
        await test.OpenAsync(Path + hash);
        var first = await NextViewDoneAsync(test, 0);
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
    }

    private static async Task GoAsync(TestPage test, string linkText)
    {
        var before = await ViewsDoneAsync(test);
        await test.Page.GetByRole(AriaRole.Link, new() { Name = linkText, Exact = true }).ClickAsync();
        await NextViewDoneAsync(test, before);
    }

    [BrowserFact]
    public async Task Each_link_shows_its_view_and_is_marked_as_the_current_one()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAtAsync(test, "");
        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Sales: "));
        await Expect(test.Page.Locator("#pages-link-sales")).ToHaveAttributeAsync("aria-current", "page");

        await GoAsync(test, "Stock");

        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Stock: "));
        await Expect(test.Page.Locator("#pages-link-stock")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(test.Page.Locator("#pages-link-sales")).Not.ToHaveAttributeAsync("aria-current", "page");

        await GoAsync(test, "Team");

        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Team: "));
        await Expect(test.Page.Locator("#pages-link-team")).ToHaveAttributeAsync("aria-current", "page");
        Assert.EndsWith("/examples/pages.html#team", test.Page.Url, StringComparison.Ordinal);
        await test.ScreenshotAsync("pages-team");
    }

    [BrowserFact]
    public async Task Back_restores_the_previous_view_and_its_link()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAtAsync(test, "");
        await GoAsync(test, "Stock");
        await GoAsync(test, "Team");
        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Team: "));
        var before = await ViewsDoneAsync(test);

        await test.Page.GoBackAsync();

        var back = await NextViewDoneAsync(test, before);
        Assert.Equal("succeeded", back.GetProperty("status").GetString());
        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Stock: "));
        await Expect(test.Page.Locator("#pages-link-stock")).ToHaveAttributeAsync("aria-current", "page");
        Assert.EndsWith("/examples/pages.html#stock", test.Page.Url, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Refresh_of_a_view_seen_before_answers_from_the_cache_with_the_same_text()
    {
        await using var test = await browser.NewPageAsync();
        // A hash no other test uses, so the first call here runs a job whatever ran before in this process.
        await test.OpenAsync(Path + "#stock");
        var first = await NextViewDoneAsync(test, 0);
        Assert.False(first.GetProperty("cached").GetBoolean());
        var text = await test.Page.TextContentAsync("#pages-view");
        Assert.StartsWith("Stock: ", text, StringComparison.Ordinal);
        await Expect(test.Page.Locator("#pages-refresh")).ToBeEnabledAsync();
        var requests = test.RequestCount;

        await test.Page.ClickAsync("#pages-refresh");

        var refresh = await NextViewDoneAsync(test, 1);
        Assert.True(refresh.GetProperty("cached").GetBoolean());
        Assert.Equal("succeeded", refresh.GetProperty("status").GetString());
        Assert.Contains(test.RequestsSince(requests), r => r.StartsWith("POST /_callbacks/callbacks/pages-view", StringComparison.Ordinal));
        Assert.DoesNotContain(test.RequestsSince(requests), r => r.Contains("/_callbacks/jobs/", StringComparison.Ordinal));
        Assert.Equal(text, await test.Page.TextContentAsync("#pages-view"));
    }

    [BrowserFact]
    public async Task Returning_to_a_view_seen_before_answers_from_the_cache()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Path + "#team");
        Assert.False((await NextViewDoneAsync(test, 0)).GetProperty("cached").GetBoolean());
        var team = await test.Page.TextContentAsync("#pages-view");
        await GoAsync(test, "Sales");
        Assert.False((await NextViewDoneAsync(test, 1)).GetProperty("cached").GetBoolean());

        await GoAsync(test, "Team");

        Assert.True((await NextViewDoneAsync(test, 2)).GetProperty("cached").GetBoolean());
        Assert.Equal(team, await test.Page.TextContentAsync("#pages-view"));
    }

    [BrowserFact]
    public async Task The_status_says_Loading_while_the_job_runs_then_gets_back_the_text_it_had()
    {
        await using var test = await browser.NewPageAsync();
        await OpenAtAsync(test, "");
        // Text the page itself gave the status, so getting "Ready" back would not pass for a restore.
        await test.Page.EvaluateAsync("""
            () => {
              const status = document.getElementById("pages-status");
              const refresh = document.getElementById("pages-refresh");
              status.textContent = "Pick a view";
              window.__seen = [];
              new MutationObserver(() => window.__seen.push(status.textContent + "|" + refresh.disabled))
                .observe(status, { childList: true, characterData: true, subtree: true });
            }
            """);
        var before = await ViewsDoneAsync(test);

        await test.Page.GetByRole(AriaRole.Link, new() { Name = "Stock", Exact = true }).ClickAsync();

        var done = await NextViewDoneAsync(test, before);
        Assert.False(done.GetProperty("cached").GetBoolean());
        await Expect(test.Page.Locator("#pages-status")).ToHaveTextAsync("Pick a view");
        await Expect(test.Page.Locator("#pages-refresh")).ToBeEnabledAsync();
        var seen = await test.Page.EvaluateAsync<string[]>("() => window.__seen");
        Assert.Contains("Loading the view…|true", seen);
        Assert.Equal("Pick a view", seen[^1].Split('|')[0]);
    }

    [BrowserFact]
    public async Task At_375_pixels_the_page_with_a_view_shown_does_not_scroll_sideways()
    {
        await using var test = await browser.NewPageAsync();
        await test.Page.SetViewportSizeAsync(375, 800);
        await OpenAtAsync(test, "#stock");
        await Expect(test.Page.Locator("#pages-view")).ToHaveTextAsync(new Regex("^Stock: "));
        await test.Page.EvaluateAsync("() => document.fonts.ready.then(() => true)");

        var widths = await test.Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");

        Assert.True(widths[0] <= widths[1], $"The page is {widths[0]} px wide in a {widths[1]} px viewport.");
        await test.ScreenshotAsync("pages-375");
    }
}
