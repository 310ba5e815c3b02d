using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// Tabs of one browser share the session cookie (one owner) but are separate pages: an invocation supersedes only its
/// own tab's previous one, as in Dash.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TabTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Two_tabs_of_one_browser_run_the_same_callback_side_by_side_and_both_get_their_result()
    {
        await using var tabA = await browser.NewPageAsync();
        await tabA.OpenAsync("/examples/progress.html");
        await using var tabB = await tabA.NewTabAsync();
        await tabB.OpenAsync("/examples/progress.html");

        await tabA.Page.ClickAsync("#progress-run");
        await tabA.WaitForEventAsync("job", _ => true);
        await tabB.Page.ClickAsync("#progress-run");
        await tabB.WaitForEventAsync("job", _ => true);

        await Expect(tabA.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        await Expect(tabB.Page.Locator("#progress-paragraph")).ToHaveTextAsync("Clicked 1 times", new() { Timeout = 30_000 });
        var doneA = await tabA.WaitForEventAsync("done", _ => true);
        var doneB = await tabB.WaitForEventAsync("done", _ => true);
        Assert.Equal("succeeded", doneA.GetProperty("status").GetString());
        Assert.Equal("succeeded", doneB.GetProperty("status").GetString());
        Assert.NotEqual(await PageIdAsync(tabA), await PageIdAsync(tabB));
    }

    [BrowserFact]
    public async Task A_duplicated_tab_takes_a_page_id_of_its_own_before_its_first_invocation()
    {
        await using var original = await browser.NewPageAsync();
        await original.OpenAsync("/examples/progress.html");
        var id = await PageIdAsync(original);

        // A duplicated tab starts with a copy of the original's sessionStorage, page id included.
        await using var duplicate = await original.NewTabAsync($"sessionStorage.setItem('bc.page', '{id}');");
        await duplicate.OpenAsync("/examples/progress.html");

        Assert.NotEqual(id, await PageIdAsync(duplicate));
        Assert.Equal(id, await PageIdAsync(original));
    }

    private static Task<string> PageIdAsync(TestPage tab) => tab.Page.EvaluateAsync<string>("() => sessionStorage.getItem('bc.page')");
}
