using System.Net;
using System.Text.Json;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

/// <summary>A handler knows its invocation's components: concrete ids in the context, MATCH values, ALL rows with their ids.</summary>
public class ContextIdsTests
{
    private const string RowButton = """{"type":"row-button","index":"MATCH"}""";
    private const string RowSize = """{"type":"row-size","index":"MATCH"}""";
    private const string RowOutput = """{"type":"row-output","index":"MATCH"}""";
    private const string AllSizes = """{"type":"row-size","index":"ALL"}""";

    private static object Row(string type, int index) => new { type, index };

    private static object AllEntry(object?[] values, params int[] indexes) =>
        new { id = new { type = "row-size", index = "ALL" }, property = "value", value = values, ids = indexes.Select(i => Row("row-size", i)).ToArray() };

    [Fact]
    public async Task A_MATCH_handler_reads_its_rows_index_from_the_context()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("row", (int? clicks, CallbackContext context) => $"row {context.Match["index"].GetInt32()}: output {context.Outputs[0].Id["index"]}")
            .Output(RowOutput, "children").Input(RowButton, "n_clicks"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("row", [new { id = Row("row-button", 3), property = "n_clicks", value = 1 }]));

        Assert.Equal("row 3: output 3", done["outputs"]![0]!["value"].Str());
    }

    [Fact]
    public async Task An_ALL_handler_bound_to_Matched_pairs_ids_and_values_and_tells_apart_two_rows_holding_the_same_value()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sizes", (IReadOnlyList<Matched<int?>> sizes) =>
                string.Join(",", sizes.Select(s => $"{s.Id["index"]}={s.Value}")) + $"; distinct ids {sizes.Select(s => s.Id).Distinct().Count()}")
            .Output("total", "children").Input(AllSizes, "value"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("sizes", [AllEntry([5, 5, 7], 1, 2, 3)]));

        Assert.Equal("1=5,2=5,3=7; distinct ids 3", CallbackClient.Output(done, "total", "children").Str());
    }

    [Fact]
    public async Task An_array_of_Matched_binds_too_and_values_alone_still_bind()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sizes", (Matched<int?>[] rows, int?[] values) => $"{rows[1].Id}={rows[1].Value}; {values.Sum()}")
            .Output("total", "children").Input(AllSizes, "value").State("""{"type":"row-size","index":"ALL"}""", "value"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("sizes", [AllEntry([1, 2], 4, 9)], [AllEntry([1, 2], 4, 9)]));

        Assert.Equal("""{"index":9,"type":"row-size"}=2; 3""", CallbackClient.Output(done, "total", "children").Str());
    }

    [Fact]
    public async Task Equal_ALL_values_of_other_rows_miss_the_cache_and_the_same_rows_hit_it()
    {
        var runs = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sizes", (IReadOnlyList<Matched<int?>> sizes) =>
            {
                Interlocked.Increment(ref runs);
                return string.Join(",", sizes.Select(s => s.Id["index"]));
            })
            .Output("total", "children").Input(AllSizes, "value"), o => o.CacheBy = []);
        using var client = app.NewClient();
        var first = await client.WaitForEndAsync(await client.StartAsync("sizes", [AllEntry([5, 5], 1, 2)]));

        var (sameRows, sameBody) = await client.InvokeAsync("sizes", [AllEntry([5, 5], 1, 2)]);
        var (otherRows, otherBody) = await client.InvokeAsync("sizes", [AllEntry([5, 5], 3, 4)]);
        var other = await client.WaitForEndAsync(otherBody["handle"].Str()!);

        Assert.Equal("1,2", CallbackClient.Output(first, "total", "children").Str());
        Assert.Equal(HttpStatusCode.OK, sameRows.StatusCode);
        Assert.Equal("1,2", CallbackClient.Output(sameBody, "total", "children").Str());
        Assert.Equal(HttpStatusCode.Accepted, otherRows.StatusCode);
        Assert.Equal("3,4", CallbackClient.Output(other, "total", "children").Str());
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task Matched_values_without_their_ids_are_refused_with_400()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sizes", (IReadOnlyList<Matched<int?>> sizes) => sizes.Count)
            .Output("total", "children").Input(AllSizes, "value"));
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("sizes", [new { id = new { type = "row-size", index = "ALL" }, property = "value", value = new[] { 1 } }]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'ids'", body["detail"].Str());
    }

    [Fact]
    public async Task The_context_lists_outputs_inputs_states_and_triggered_ids()
    {
        CallbackContext? seen = null;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("row", (int? clicks, int? size, int?[] all, CallbackContext context) => { seen = context; return ("done", "log"); })
            .Output(RowOutput, "children").Output("log", "children")
            .Input(RowButton, "n_clicks").State(RowSize, "value").State(AllSizes, "value"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync(
            "row",
            [new { id = Row("row-button", 2), property = "n_clicks", value = 4 }],
            [new { id = Row("row-size", 2), property = "value", value = 20 }, AllEntry([10, 20], 1, 2)],
            ["""{"type":"row-button","index":2}.n_clicks"""]));

        Assert.Equal("succeeded", done.Status());
        Assert.NotNull(seen);
        Assert.Equal(["""{"index":2,"type":"row-output"}.children""", "log.children"], seen.Outputs.Select(o => o.ToString()));
        Assert.False(seen.Outputs[1].Id.IsPattern);
        Assert.Equal("log", seen.Outputs[1].Id.Value);

        var input = Assert.Single(seen.Inputs);
        Assert.Equal(ComponentId.Parse("""{"type":"row-button","index":2}"""), input.Id);
        Assert.Equal("n_clicks", input.Property);
        Assert.Equal(4, input.Value.GetInt32());

        Assert.Equal(2, seen.States.Count);
        Assert.Equal(2, seen.States[0].Id["index"].GetInt32());
        Assert.Equal(20, seen.States[0].Value.GetInt32());
        Assert.False(seen.States[0].IsAll);
        Assert.True(seen.States[1].IsAll);
        Assert.Equal("ALL", seen.States[1].Id["index"].GetString());
        Assert.Equal([1, 2], seen.States[1].Components.Select(c => c.Id["index"].GetInt32()));
        Assert.Equal([10, 20], seen.States[1].Components.Select(c => c.Value.GetInt32()));

        Assert.Equal(2, seen.Match["index"].GetInt32());
        var triggered = Assert.Single(seen.Triggered);
        Assert.Equal("n_clicks", triggered.Property);
        Assert.Equal(ComponentId.Parse("""{"index":2,"type":"row-button"}"""), seen.TriggeredId);
        Assert.Equal(["""{"type":"row-button","index":2}.n_clicks"""], seen.TriggeredInputs);
    }

    [Fact]
    public async Task A_plain_callback_has_plain_ids_and_no_MATCH_values()
    {
        CallbackContext? seen = null;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("plain", (string? text, CallbackContext context) => { seen = context; return text; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        await client.WaitForEndAsync(await client.StartAsync("plain", [CallbackClient.Value("in", "value", "hi")]));

        Assert.NotNull(seen);
        Assert.Empty(seen.Match);
        Assert.Null(seen.TriggeredId);
        Assert.Equal("in", seen.Inputs[0].Id.Value);
        Assert.Equal("hi", seen.Inputs[0].Value.GetString());
        Assert.Equal("in", Assert.Single(seen.Inputs[0].Components).Id.ToString());
    }

    [Fact]
    public async Task Matched_on_a_parameter_that_is_not_ALL_stops_the_app_at_startup()
    {
        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await (await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("single", (IReadOnlyList<Matched<int?>> sizes) => sizes.Count).Output("a", "children").Input("in", "value");
            b.MapBackgroundCallback("list", (List<Matched<int?>> sizes) => sizes.Count).Output("b", "children").Input(AllSizes, "value");
        })).DisposeAsync());

        Assert.Contains("which only an ALL input or state has", error.Message);
        Assert.Contains("take Matched<T>[] or IReadOnlyList<Matched<T>>", error.Message);
    }

    [Fact]
    public void Component_ids_compare_as_JSON_objects_and_print_canonically()
    {
        var id = ComponentId.Parse("""{ "type": "row", "index": 3 }""");

        Assert.True(id.IsPattern);
        Assert.Equal("""{"index":3,"type":"row"}""", id.ToString());
        Assert.Equal(ComponentId.Parse("""{"index":3.0,"type":"row"}"""), id);
        Assert.Equal(ComponentId.Parse("""{"index":3,"type":"row"}""").GetHashCode(), id.GetHashCode());
        Assert.NotEqual(ComponentId.Parse("""{"index":4,"type":"row"}"""), id);
        Assert.Equal(["index", "type"], id.Keys);
        Assert.False(id.TryGetValue("missing", out _));
        Assert.Throws<KeyNotFoundException>(() => id["missing"]);
        Assert.Equal("button", ComponentId.Parse("button").Value);
        Assert.True(ComponentId.Parse("button") == ComponentId.Parse("button"));
        Assert.Throws<FormatException>(() => ComponentId.Parse("{not json"));
    }
}
