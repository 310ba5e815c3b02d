using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>
/// File inputs in Chromium, on the sample's CSV page (seed 004): the file goes up once through the upload endpoint
/// with its own progress, the job reads it from the store with progress, and the same file chosen again is not sent.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class UploadTests(BrowserFixture browser) : IDisposable
{
    private const string Page = "/examples/upload.html";
    private const int Rows = 150_000;

    private readonly string _directory = Directory.CreateTempSubdirectory("bc-upload-test-").FullName;

    [BrowserFact]
    public async Task A_csv_dropped_on_a_drop_zone_is_uploaded_and_runs_the_callback_that_takes_it()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);

        // What a user's drag does, dispatched in the page: the client sees the same events and the same DataTransfer.
        await test.Page.EvaluateAsync("""
            () => {
              const zone = document.getElementById("csv-drop");
              const data = new DataTransfer();
              data.items.add(new File(["id,amount\n1,2\n3,4\n"], "dropped.csv", { type: "text/csv" }));
              for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
              }
            }
            """);

        await Expect(test.Page.Locator("#drop-lines")).ToHaveTextAsync("dropped.csv: 3 lines", new() { Timeout = 30_000 });
        await Expect(test.Page.Locator("#csv-drop")).ToHaveAttributeAsync("data-bc-ref-files", Reference());
        await Expect(test.Page.Locator("#csv-drop")).Not.ToHaveAttributeAsync("data-bc-dragover", "");
        Assert.Equal(1, Posts(test));
    }

    [BrowserFact]
    public async Task A_chosen_csv_is_uploaded_once_processed_with_progress_and_summarised()
    {
        var (path, length, sha256) = WriteCsv("sales.csv");
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        var process = test.Page.Locator("#process");
        await Expect(process).ToBeDisabledAsync();

        await test.Page.SetInputFilesAsync("#csv-file", path);

        // The upload's bar ends full, at the file's size; then the file is a reference and the button is enabled.
        await test.Page.WaitForFunctionAsync(
            "(length) => { const p = document.getElementById('csv-upload'); return p.max === length && p.value === length; }", (double)length);
        await Expect(test.Page.Locator("#csv-file")).ToHaveAttributeAsync("data-bc-ref-files", Reference());
        await Expect(test.Page.Locator("#csv-file")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(process).ToBeEnabledAsync();
        await Expect(test.Page.Locator("#csv-chosen")).ToHaveTextAsync(new Regex(@"^sales\.csv · \d+\.\d MB$"));
        var files = JsonDocument.Parse((await test.Page.Locator("#csv-file").GetAttributeAsync("data-bc-files"))!).RootElement;
        Assert.Equal("sales.csv", files[0].GetProperty("name").GetString());
        Assert.Equal(length, files[0].GetProperty("length").GetInt64());
        var progress = await test.EventsAsync("uploadprogress");
        Assert.Contains(progress, e => e.GetProperty("loaded").GetInt64() == length && e.GetProperty("total").GetInt64() == length);
        Assert.Equal(1, Posts(test));
        Assert.Contains("GET /_callbacks/uploads/" + sha256, test.Requests);

        // The invocation carries the reference, never the bytes.
        var reference = await test.Page.Locator("#csv-file").GetAttributeAsync("data-bc-ref-files");
        var invocation = test.Page.WaitForRequestAsync(r => r.Url.EndsWith("/callbacks/process-csv", StringComparison.Ordinal));
        await process.ClickAsync();
        var body = JsonDocument.Parse((await invocation).PostData!).RootElement;
        Assert.Equal(reference, body.GetProperty("state")[0].GetProperty("value").GetString());
        Assert.InRange((await invocation).PostDataBuffer!.Length, 1, 2047);

        await Expect(test.Page.Locator("#upload-rows")).ToHaveTextAsync(Rows.ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Expect(test.Page.Locator("#upload-columns")).ToHaveTextAsync("3: id, amount, label");
        await Expect(test.Page.Locator("#upload-sums")).ToHaveTextAsync(ExpectedSums());
        await Expect(process).ToBeEnabledAsync();
        await Expect(test.Page.Locator("body")).Not.ToContainTextAsync("bcref:");

        // The job reported how far it got, in bytes of the file, up to the whole file.
        var jobs = (await test.ResponsesAsync()).Where(r => r.Path.Contains("/jobs/", StringComparison.Ordinal)).Select(r => r.Body)
            .Concat(await test.StreamedJobsAsync());
        var reports = jobs
            .Where(j => j.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Array)
            .Select(j => j.GetProperty("progress"))
            .ToList();
        Assert.NotEmpty(reports);
        Assert.All(reports, p => Assert.Equal(length, Number(p, "max")));
        Assert.Contains(reports, p => Number(p, "value") == length);
        Assert.Empty(await test.EventsAsync("error"));
        await test.ScreenshotAsync("upload-summary");

        // The same file again, on a new page of the same session (a file input fires no change for the file it already
        // holds): the server already has it, so it is asked for, found and not sent.
        await test.ReloadAsync();
        await Expect(process).ToBeDisabledAsync();
        await test.Page.SetInputFilesAsync("#csv-file", path);

        await test.Page.WaitForFunctionAsync("() => window.__bcEvents.some((e) => e.event === 'uploaded')");
        Assert.Equal(1, Posts(test));
        Assert.Equal(2, test.Requests.Count(r => r == "GET /_callbacks/uploads/" + sha256));
        await Expect(test.Page.Locator("#csv-file")).ToHaveAttributeAsync("data-bc-ref-files", reference!);
        await Expect(process).ToBeEnabledAsync();
        await Expect(test.Page.Locator("#csv-upload")).ToHaveJSPropertyAsync("value", (double)length);
    }

    [BrowserFact]
    public async Task A_refused_upload_shows_the_servers_detail_and_keeps_no_file()
    {
        await using var test = await browser.NewPageAsync();
        await test.OpenAsync(Page);
        var error = test.Page.Locator("[data-bc-error-for='process-csv']");
        await Expect(error).ToBeHiddenAsync();

        // Declared a PNG, but not one: the server refuses it by its signature.
        await test.Page.SetInputFilesAsync("#csv-file", new FilePayload { Name = "fake.png", MimeType = "image/png", Buffer = Encoding.UTF8.GetBytes("a,b\n1,2\n") });

        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("Could not upload fake.png: File contents do not match");
        await Expect(test.Page.Locator("#csv-file")).Not.ToHaveAttributeAsync("data-bc-ref-files", new Regex("."));
        await Expect(test.Page.Locator("#csv-file")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(test.Page.Locator("#process")).ToBeDisabledAsync();
        await Expect(test.Page.Locator("#csv-chosen")).ToHaveTextAsync("No file chosen");
        Assert.Equal(1, Posts(test));
        Assert.Null(await test.Page.EvaluateAsync<string?>("() => BackgroundCallbacks.getProp('csv-file', 'files')"));
        var failure = Assert.Single(await test.EventsAsync("error"));
        Assert.Equal("process-csv", failure.GetProperty("callbackId").GetString());
        await test.ScreenshotAsync("upload-refused");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int Posts(TestPage test) =>
        test.Requests.Count(r => r.StartsWith("POST /_callbacks/uploads", StringComparison.Ordinal));

    private static long Number(JsonElement progress, string property)
    {
        var value = progress.EnumerateArray().Single(p => p.GetProperty("property").GetString() == property).GetProperty("value");
        return value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64();
    }

    /// <summary>A few megabytes of CSV, so the upload and the job take long enough to report progress.</summary>
    private (string Path, long Length, string Sha256) WriteCsv(string name)
    {
        var text = new StringBuilder("id,amount,label\n");
        for (var i = 1; i <= Rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i},{i % 100}.5,row number {i}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return (path, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static string ExpectedSums()
    {
        double ids = 0, amounts = 0;
        for (var i = 1; i <= Rows; i++)
        {
            ids += i;
            amounts += i % 100 + 0.5;
        }

        return $"id {ids.ToString("0.##", CultureInfo.InvariantCulture)} · amount {amounts.ToString("0.##", CultureInfo.InvariantCulture)}";
    }

    [GeneratedRegex("^bcref:default:[A-Za-z0-9_-]{22}$")]
    private static partial Regex Reference();
}
