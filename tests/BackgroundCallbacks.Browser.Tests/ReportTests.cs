using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>The report page: typed settings, one of them a custom property ({from, to}), and progress step by step.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReportTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task The_page_sends_its_typed_settings_and_shows_the_progress_and_the_report()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/report.html");
        var title = "Page report " + Guid.NewGuid().ToString("N")[..6];
        await test.Page.FillAsync("#report-title", title);
        await test.Page.SelectOptionAsync("#report-format", "Detailed");
        await test.Page.FillAsync("#report-period input[name=to]", "2026-01-10");

        await test.Page.ClickAsync("#report-run");

        await Expect(test.Page.Locator("#report-progress")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Step [1-8] of 8$"));
        await Expect(test.Page.Locator("#report-result")).ToHaveTextAsync($"{title}: detailed report of 10 days, 2026-01-01 to 2026-01-10");
    }
}
