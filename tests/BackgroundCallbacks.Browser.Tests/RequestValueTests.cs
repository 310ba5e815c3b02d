using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>Request values in Chromium: Dash's own check that a cookie set in one request is read by a background callback in another.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RequestValueTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task A_cookie_set_by_an_inline_callback_is_read_by_a_background_callback_in_another_request_with_the_page_url()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/request.html?from=test");
        var name = "name-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.FillAsync("#greeting-name", name);

        await test.Page.ClickAsync("#greeting-remember");
        await Expect(test.Page.Locator("#greeting-saved")).ToHaveTextAsync($"Saved {name}");
        await test.Page.ClickAsync("#greeting-run");

        await Expect(test.Page.Locator("#greeting-paragraph")).ToHaveTextAsync(
            new System.Text.RegularExpressions.Regex($@"^Hello {name} \([^)]+\), from /examples/request\.html\?from=test$"));
        // The cookie is HttpOnly: the page never saw it, only the server did.
        Assert.DoesNotContain("sample-name", await test.Page.EvaluateAsync<string>("document.cookie"));
    }
}
