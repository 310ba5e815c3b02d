using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>Pattern-matching ids: MATCH rows with their own jobs, progress and cancel; ALL values; rows added later.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PatternMatchingTests(BrowserFixture browser)
{
    private static string Row(string type, int index) => $$"""[data-bc-id='{"type":"{{type}}","index":{{index}}}']""";

    [BrowserFact]
    public async Task Each_row_runs_its_own_job_with_its_own_progress()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");

        await test.Page.ClickAsync(Row("row-run", 1));
        await test.Page.ClickAsync(Row("row-run", 2));

        await Expect(test.Page.Locator(Row("row-run", 1))).ToBeDisabledAsync();
        await Expect(test.Page.Locator(Row("row-run", 2))).ToBeDisabledAsync();
        await Expect(test.Page.Locator(Row("row-run", 3))).ToBeEnabledAsync();
        await Expect(test.Page.Locator(Row("row-progress", 2))).Not.ToHaveAttributeAsync("value", "0");
        await test.ScreenshotAsync("rows-running");
        await Expect(test.Page.Locator(Row("row-result", 1))).ToHaveTextAsync("Row 1: processed 10 items (run 1)");
        await Expect(test.Page.Locator(Row("row-result", 2))).ToHaveTextAsync("Row 2: processed 20 items (run 1)");
        Assert.Equal(string.Empty, await test.Page.TextContentAsync(Row("row-result", 3)));

        var jobs = (await test.EventsAsync("job")).Where(e => e.GetProperty("callbackId").GetString() == "row").ToList();
        Assert.Equal(2, jobs.Select(e => e.GetProperty("handle").GetString()).Distinct().Count());
        var ends = (await test.EventsAsync("done")).Where(e => e.GetProperty("callbackId").GetString() == "row").ToList();
        Assert.All(ends, e => Assert.Equal("succeeded", e.GetProperty("status").GetString()));
        Assert.Equal(2, ends.Count);
        await Expect(test.Page.Locator(Row("row-progress", 1))).ToHaveAttributeAsync("value", "0");
    }

    [BrowserFact]
    public async Task A_row_names_its_own_index_which_its_handler_reads_from_the_context()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");

        await test.Page.ClickAsync(Row("row-run", 3));

        await Expect(test.Page.Locator(Row("row-result", 3))).ToHaveTextAsync("Row 3: processed 30 items (run 1)");
    }

    [BrowserFact]
    public async Task Cancelling_one_row_leaves_the_other_rows_job_running()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");

        // Row 1's job runs about 2 s: its Cancel is checked straight after its click, before row 2 is started, so a slow
        // click on a busy machine cannot outlast the job before the check.
        await test.Page.ClickAsync(Row("row-run", 1));
        await test.ExplainAsync(() => Expect(test.Page.Locator(Row("row-cancel", 1))).ToBeEnabledAsync());
        await test.Page.ClickAsync(Row("row-run", 2));
        await test.Page.ClickAsync(Row("row-cancel", 1));

        await Expect(test.Page.Locator(Row("row-result", 2))).ToHaveTextAsync("Row 2: processed 20 items (run 1)");
        await Expect(test.Page.Locator(Row("row-run", 1))).ToBeEnabledAsync();
        await Expect(test.Page.Locator(Row("row-cancel", 1))).ToBeDisabledAsync();
        var ends = (await test.EventsAsync("done")).Where(e => e.GetProperty("callbackId").GetString() == "row")
            .ToDictionary(e => e.GetProperty("match").GetProperty("index").GetInt32(), e => e.GetProperty("status").GetString());
        Assert.Equal("canceled", ends[1]);
        Assert.Equal("succeeded", ends[2]);
        await Expect(test.Page.Locator(Row("row-result", 1))).ToHaveTextAsync("Cancelled");
    }

    [BrowserFact]
    public async Task A_summary_reads_every_rows_value_with_ALL()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");
        await Expect(test.Page.Locator("#rows-total")).ToHaveTextAsync("3 rows, 60 items in all; the largest is row 3");

        await test.Page.FillAsync(Row("row-size", 2), "25");

        await Expect(test.Page.Locator("#rows-total")).ToHaveTextAsync("3 rows, 65 items in all; the largest is row 3");
    }

    [BrowserFact]
    public async Task A_row_added_after_load_runs_its_own_job()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync("/examples/rows.html");
        await Expect(test.Page.Locator("#rows-total")).ToHaveTextAsync("3 rows, 60 items in all; the largest is row 3");

        await test.Page.ClickAsync("#add-row");

        await Expect(test.Page.Locator("#rows-total")).ToHaveTextAsync("4 rows, 100 items in all; the largest is row 4");
        await test.Page.ClickAsync(Row("row-run", 4));
        await Expect(test.Page.Locator(Row("row-run", 4))).ToBeDisabledAsync();
        await Expect(test.Page.Locator(Row("row-result", 4))).ToHaveTextAsync("Row 4: processed 40 items (run 1)");
        await Expect(test.Page.Locator(Row("row-run", 4))).ToBeEnabledAsync();
    }
}
