using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class PatternMatchingTests
{
    private const string RowButton = """{"type":"row-button","index":"MATCH"}""";
    private const string RowOutput = """{"type":"row-output","index":"MATCH"}""";
    private const string RowBar = """{"type":"row-bar","index":"MATCH"}""";

    private static object Row(string type, int index) => new { type, index };

    private static Task<TestApp> StartRowsAsync(Gate? gate = null, Action<BackgroundCallbacksOptions>? options = null) => TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("row", async (int? clicks, IProgress<int> progress, CancellationToken ct) =>
                {
                    progress.Report(clicks ?? 0);
                    if (gate is not null) await gate.PassAsync(ct);
                    return $"clicked {clicks}";
                })
                .Output(RowOutput, "children").Input(RowButton, "n_clicks").Progress(RowBar, "value", 0)
                .Running(RowButton, "disabled", true, false);
            b.MapBackgroundCallback("total", (int?[] values) => values.Sum(v => v ?? 0))
                .Output("total", "children").Input("""{"type":"row-input","index":"ALL"}""", "value");
        }, options);

    [Fact]
    public async Task A_MATCH_invocation_gets_outputs_and_progress_with_the_concrete_id()
    {
        await using var app = await StartRowsAsync();
        using var client = app.NewClient();

        var (accepted, acceptedBody) = await client.InvokeAsync("row", [new { id = Row("row-button", 3), property = "n_clicks", value = 2 }],
            triggered: ["""{"index":3,"type":"row-button"}.n_clicks"""]);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var done = await client.WaitForEndAsync(acceptedBody["handle"].Str()!);

        var output = Assert.Single(done["outputs"]!.AsArray())!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"row-output","index":3}"""), output["id"]));
        Assert.Equal("clicked 2", output["value"].Str());
        var progress = Assert.Single(done["progress"]!.AsArray())!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"row-bar","index":3}"""), progress["id"]));
        var progressDefault = Assert.Single(acceptedBody["progressDefault"]!.AsArray())!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"row-bar","index":3}"""), progressDefault["id"]));
    }

    [Fact]
    public async Task Rows_run_their_own_jobs_and_do_not_supersede_each_other()
    {
        var gate = new Gate();
        await using var app = await StartRowsAsync(gate);
        using var client = app.NewClient();

        var first = await client.StartAsync("row", [new { id = Row("row-button", 1), property = "n_clicks", value = 1 }]);
        var second = await client.StartAsync("row", [new { id = Row("row-button", 2), property = "n_clicks", value = 1 }]);
        gate.Open();

        Assert.Equal("succeeded", (await client.WaitForEndAsync(first)).Status());
        Assert.Equal("succeeded", (await client.WaitForEndAsync(second)).Status());
    }

    [Fact]
    public async Task Equal_values_in_different_rows_are_cached_apart()
    {
        await using var app = await StartRowsAsync(options: o => o.CacheBy = []);
        using var client = app.NewClient();
        var first = await client.WaitForEndAsync(await client.StartAsync("row", [new { id = Row("row-button", 1), property = "n_clicks", value = 5 }]));
        Assert.Equal("succeeded", first.Status());

        var (sameRow, sameBody) = await client.InvokeAsync("row", [new { id = Row("row-button", 1), property = "n_clicks", value = 5 }]);
        var (otherRow, _) = await client.InvokeAsync("row", [new { id = Row("row-button", 2), property = "n_clicks", value = 5 }]);

        Assert.Equal(HttpStatusCode.OK, sameRow.StatusCode);
        Assert.Equal(1, sameBody["outputs"]![0]!["id"]!["index"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Accepted, otherRow.StatusCode);
    }

    [Fact]
    public async Task An_ALL_input_passes_every_matching_components_value_as_a_list()
    {
        await using var app = await StartRowsAsync();
        using var client = app.NewClient();

        var handle = await client.StartAsync("total", [new { id = new { type = "row-input", index = "ALL" }, property = "value", value = new[] { 1, 2, 3 } }]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal(6, CallbackClient.Output(done, "total", "children")!.GetValue<int>());
    }

    [Fact]
    public async Task An_id_that_does_not_fit_the_pattern_gets_400()
    {
        await using var app = await StartRowsAsync();
        using var client = app.NewClient();

        var (wrongType, body) = await client.InvokeAsync("row", [new { id = Row("other", 1), property = "n_clicks", value = 1 }]);
        var (notAList, _) = await client.InvokeAsync("total", [new { id = new { type = "row-input", index = "ALL" }, property = "value", value = 1 }]);

        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal("application/problem+json", wrongType.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, notAList.StatusCode);
    }

    [Fact]
    public async Task ALL_in_an_output_and_MATCH_without_a_MATCH_input_stop_the_app_at_startup()
    {
        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await (await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("all-out", (int? n) => n).Output("""{"type":"cell","index":"ALL"}""", "children").Input("in", "value");
            b.MapBackgroundCallback("match-out", (int? n) => n).Output("""{"type":"cell","index":"MATCH"}""", "children").Input("in", "value");
        })).DisposeAsync());

        Assert.Contains("ALL works for inputs and state only", error.Message);
        Assert.Contains("uses MATCH, but no input does", error.Message);
    }
}
