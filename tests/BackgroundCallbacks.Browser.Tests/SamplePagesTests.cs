using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SamplePagesTests(BrowserFixture browser)
{
    private static readonly string[] Pages =
    [
        "/", "/examples/basic.html", "/examples/disable.html", "/examples/cancel.html", "/examples/progress.html",
        "/examples/progress-chart.html", "/examples/caching.html", "/examples/ignore-by-name.html",
        "/examples/ignore-by-index.html", "/examples/labs-chart.html", "/examples/rows.html", "/examples/search.html",
        "/examples/failing.html", "/examples/request.html", "/examples/server-side.html", "/examples/upload.html",
        "/examples/queue.html",
    ];

    [BrowserFact]
    public async Task Index_links_every_example_page()
    {
        await using var test = await browser.NewPageAsync();
        await test.Page.GotoAsync("/");

        var links = await test.Page.Locator("a.card-link").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");

        Assert.Equal(Pages.Where(p => p != "/").Order(), links.Order());
    }

    [BrowserFact]
    public async Task Every_sample_page_loads_without_script_errors()
    {
        await using var test = await browser.NewPageAsync();
        foreach (var path in Pages)
        {
            test.ConsoleErrors.Clear();
            test.PageErrors.Clear();

            var response = await test.Page.GotoAsync(path);

            Assert.Equal(200, response!.Status);
            if (path != "/")
            {
                await test.WhenReadyAsync();
            }

            await test.Page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            await test.ScreenshotAsync(path == "/" ? "index" : Path.GetFileNameWithoutExtension(path));
            Assert.True(test.PageErrors.IsEmpty && test.ConsoleErrors.IsEmpty,
                $"{path}: {string.Join("; ", test.PageErrors.Concat(test.ConsoleErrors))}");
        }
    }
}
