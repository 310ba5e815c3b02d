using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>An input that invokes on every keystroke: each invocation supersedes the job before it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Typing_fast_settles_on_the_last_value()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/search.html");
        // Record every text the result shows, so a stale job's result cannot flash by unnoticed.
        await test.Page.EvaluateAsync("""
            () => {
              const result = document.getElementById("search-result");
              window.__texts = [];
              new MutationObserver(() => window.__texts.push(result.textContent)).observe(result, { childList: true, characterData: true, subtree: true });
            }
            """);

        await test.Page.Locator("#search-input").PressSequentiallyAsync("superseded");

        await Expect(test.Page.Locator("#search-result")).ToHaveTextAsync("Results for 'superseded'");
        await Expect(test.Page.Locator("#search-status")).ToBeHiddenAsync();
        var invocations = await test.EventsAsync("invoke");
        Assert.True(invocations.Count >= 2, $"Typing made only {invocations.Count} invocation(s).");
        Assert.Equal(["Results for 'superseded'"], await test.Page.EvaluateAsync<string[]>("() => window.__texts"));
        var done = await test.EventsAsync("done");
        Assert.Equal("succeeded", Assert.Single(done).GetProperty("status").GetString());
    }

    [BrowserFact]
    public async Task Outputs_are_set_as_text_never_as_html()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/search.html");
        const string markup = "<img src=x onerror=\"window.__injected=1\"><b>bold</b>";

        await test.Page.FillAsync("#search-input", markup);

        await Expect(test.Page.Locator("#search-result")).ToHaveTextAsync($"Results for '{markup}'");
        Assert.Equal(0, await test.Page.Locator("#search-result *").CountAsync());
        Assert.True(await test.Page.EvaluateAsync<bool>("() => window.__injected === undefined"));
    }

    [BrowserFact]
    public async Task Script_URLs_and_event_handler_attributes_are_never_set()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/search.html");
        await test.Page.EvaluateAsync("() => { const a = document.createElement('a'); a.id = 'link'; document.body.append(a); }");

        await test.Page.EvaluateAsync("() => BackgroundCallbacks.setProps('link', { href: ' JaVaScRiPt:window.__injected=1', onclick: 'window.__injected=1' })");
        var unsafeHref = await test.Page.GetAttributeAsync("#link", "href");
        var onclick = await test.Page.GetAttributeAsync("#link", "onclick");
        await test.Page.EvaluateAsync("() => BackgroundCallbacks.setProps('link', { href: '/examples/basic.html' })");

        Assert.Null(unsafeHref);
        Assert.Null(onclick);
        Assert.Equal("/examples/basic.html", await test.Page.GetAttributeAsync("#link", "href"));
    }

    [BrowserFact]
    public async Task Props_set_from_page_code_invoke_the_callbacks_that_take_them()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/search.html");

        await test.Page.EvaluateAsync("() => BackgroundCallbacks.setProps('search-input', { value: 'set from code' })");

        await Expect(test.Page.Locator("#search-input")).ToHaveValueAsync("set from code");
        await Expect(test.Page.Locator("#search-result")).ToHaveTextAsync("Results for 'set from code'");
    }
}
