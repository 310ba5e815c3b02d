using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SamplePagesTests(BrowserFixture browser)
{
    internal static readonly string[] Pages =
    [
        "/", "/examples/basic.html", "/examples/disable.html", "/examples/cancel.html", "/examples/progress.html",
        "/examples/progress-chart.html", "/examples/caching.html", "/examples/ignore-by-name.html",
        "/examples/ignore-by-index.html", "/examples/labs-chart.html", "/examples/rows.html", "/examples/search.html",
        "/examples/failing.html", "/examples/request.html", "/examples/server-side.html", "/examples/upload.html",
        "/examples/queue.html", "/examples/report.html", "/examples/pages.html",
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
            test.ConsoleWarnings.Clear();
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
            Assert.DoesNotContain(test.ConsoleWarnings, w => w.Contains("does not run on this page", StringComparison.Ordinal));
        }
    }

    [BrowserFact]
    public async Task No_sample_page_is_wider_than_a_phone_at_320_to_414_pixels()
    {
        await using var test = await browser.NewPageAsync();
        var tooWide = new List<string>();
        foreach (var width in new[] { 320, 375, 414 })
        {
            await test.Page.SetViewportSizeAsync(width, 800);
            foreach (var path in Pages)
            {
                await test.Page.GotoAsync(path);
                await test.Page.EvaluateAsync("() => document.fonts.ready.then(() => true)");

                // The page must not scroll sideways; the elements past the right edge name the culprits.
                var overflow = await test.Page.EvaluateAsync<string>("""
                    () => {
                      const root = document.documentElement;
                      if (root.scrollWidth <= root.clientWidth) return "";
                      const past = [...document.querySelectorAll("body *")]
                        .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
                        .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= root.clientWidth + 0.5)
                        .slice(0, 4)
                        .map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : ""));
                      return root.scrollWidth + " > " + root.clientWidth + " (" + past.join(", ") + ")";
                    }
                    """);
                if (overflow.Length > 0)
                {
                    tooWide.Add($"{path} at {width} px: {overflow}");
                }
            }
        }

        Assert.True(tooWide.Count == 0, string.Join("\n", tooWide));
    }

    [BrowserFact]
    public async Task A_page_missing_some_of_a_callbacks_components_gets_one_console_warning_naming_them()
    {
        await using var test = await browser.NewPageAsync();
        // The "cancel" callback's button without its output paragraph; the other callbacks' components are all absent.
        await test.Page.RouteAsync("**/incomplete.html", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = """<!doctype html><html lang="en"><title>Incomplete</title><button id="cancel-run">Run</button><script src="/_callbacks/client.js" defer></script></html>""",
        }));

        await test.Page.GotoAsync("/incomplete.html");
        await test.WhenReadyAsync();

        var warnings = test.ConsoleWarnings.Where(w => w.Contains("does not run on this page", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("\"cancel\"", warning);
        Assert.Contains("cancel-paragraph", warning);
        Assert.DoesNotContain("basic", warning);
    }
}
