using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>A job outlives its page: a reload re-attaches to it through the handle kept in sessionStorage.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReloadTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Reload_reattaches_to_the_running_job_instead_of_starting_a_new_one()
    {
        await using var test = await browser.NewPageAsync();
        // This callback also runs when the page loads: after the reload, re-attaching must replace that initial call.
        await test.OpenAsync("/examples/ignore-by-index.html");
        await Expect(test.Page.Locator("#run-button-2")).ToBeEnabledAsync();
        var text = "reload-" + Guid.NewGuid().ToString("N")[..8];
        await test.Page.FillAsync("#input-2", text);
        var earlier = (await test.EventsAsync("job")).Select(e => e.GetProperty("handle").GetString()).ToHashSet();
        await test.Page.ClickAsync("#run-button-2");
        var job = await test.WaitForEventAsync("job", e => !earlier.Contains(e.GetProperty("handle").GetString()));
        var handle = job.GetProperty("handle").GetString()!;
        var before = test.RequestCount;

        await test.ReloadAsync();

        var reattached = await test.WaitForEventAsync("reattach", _ => true);
        Assert.Equal(handle, reattached.GetProperty("handle").GetString());
        Assert.Empty(await test.EventsAsync("invoke"));
        await Expect(test.Page.Locator("#run-button-2")).ToBeDisabledAsync();
        await Expect(test.Page.Locator("#result-2")).ToHaveTextAsync($"Result for '{text}'");
        await Expect(test.Page.Locator("#run-button-2")).ToBeEnabledAsync();
        var afterReload = test.RequestsSince(before);
        Assert.DoesNotContain(afterReload, r => r.StartsWith("POST ", StringComparison.Ordinal));
        // The reloaded page follows the job again, from its start, on the browser's event stream.
        Assert.Contains(afterReload, r => r.StartsWith("GET /_callbacks/events?jobs=", StringComparison.Ordinal) && r.Contains(handle, StringComparison.Ordinal));
        Assert.Equal(0, await test.Page.EvaluateAsync<int>("() => Object.keys(sessionStorage).filter((k) => k.startsWith('bc.job|')).length"));
    }
}
