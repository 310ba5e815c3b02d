using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

/// <summary>What the contract refuses with 400 or 415 is refused, before anything is admitted.</summary>
public sealed class StrictRequestTests : IAsyncLifetime
{
    private const string RowButton = """{"type":"row-button","index":"MATCH"}""";
    private const string RowInput = """{"type":"row-input","index":"ALL"}""";

    private TestApp _app = null!;
    private CallbackClient _client = null!;
    private int _runs;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("row", (int? clicks) => { Interlocked.Increment(ref _runs); return clicks; })
                .Output("""{"type":"row-output","index":"MATCH"}""", "children").Input(RowButton, "n_clicks");
            b.MapBackgroundCallback("total", (int?[] values) => { Interlocked.Increment(ref _runs); return values.Sum(v => v ?? 0); })
                .Output("total", "children").Input(RowInput, "value");
            b.MapBackgroundCallback("typed", (int? number, string? text) => { Interlocked.Increment(ref _runs); return $"{number}:{text}"; })
                .Output("out", "children", allowDuplicate: true).Input("number", "value").Input("text", "value");
            b.MapBackgroundCallback("any", (System.Text.Json.JsonElement value) => { Interlocked.Increment(ref _runs); return value.ValueKind.ToString(); })
                .Output("out", "children", allowDuplicate: true).Input("any", "value");
        });
        _client = _app.NewClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(string callbackId, string body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var response = await _client.Http.PostAsync($"/_callbacks/callbacks/{callbackId}", content);
        return (response, await CallbackClient.BodyAsync(response));
    }

    private static void AssertProblem(HttpResponseMessage response, JsonObject body, HttpStatusCode status, string? detailContains = null)
    {
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body.ToJsonString()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, body["detail"].Str());
        }
    }

    private static string RowBody(int index, string triggered) =>
        $$"""{"inputs":[{"id":{"type":"row-button","index":{{index}}},"property":"n_clicks","value":1}],"triggered":["{{triggered.Replace("\"", "\\\"")}}.n_clicks"]}""";

    [Fact]
    public async Task A_triggered_entry_of_another_row_than_the_invocations_MATCH_value_gets_400()
    {
        var (response, body) = await PostAsync("row", RowBody(3, """{"index":5,"type":"row-button"}"""));
        AssertProblem(response, body, HttpStatusCode.BadRequest, "triggered");

        var (same, _) = await PostAsync("row", RowBody(3, """{"type":"row-button","index":3}"""));
        Assert.Equal(HttpStatusCode.Accepted, same.StatusCode);
    }

    [Theory]
    [InlineData("""{"type":"row-input","index":1}""", "ids")]
    [InlineData("""[{"type":"row-input","index":1}]""", "ids")]
    [InlineData("""[{"type":"row-input","index":1},{"type":"row-input","index":2},{"type":"row-input","index":3}]""", "ids")]
    [InlineData("""[{"type":"row-input","index":1},{"type":"other","index":2}]""", "ids")]
    [InlineData("""[{"type":"row-input","index":1},{"type":"row-input","index":2,"extra":0}]""", "ids")]
    [InlineData("""[{"type":"row-input","index":1},"row-input"]""", "ids")]
    public async Task Ids_of_an_ALL_input_must_be_a_list_as_long_as_the_values_of_ids_the_pattern_matches(string ids, string detail)
    {
        var (response, body) = await PostAsync("total", $$"""{"inputs":[{"id":{{RowInput}},"property":"value","value":[1,2],"ids":{{ids}}}]}""");

        AssertProblem(response, body, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task Ids_of_an_ALL_input_that_fit_the_pattern_are_accepted()
    {
        var (response, _) = await PostAsync("total", $$"""{"inputs":[{"id":{{RowInput}},"property":"value","value":[1,2],"ids":[{"index":1,"type":"row-input"},{"type":"row-input","index":2}]}]}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"inputs":[{"id":"number","property":"value","value":1},{"id":"text","property":"value","value":"a"}],"inputs":[{"id":"number","property":"value","value":99},{"id":"text","property":"value","value":"a"}]}""")]
    [InlineData("""{"inputs":[{"id":"number","property":"value","value":1,"value":99},{"id":"text","property":"value","value":"a"}]}""")]
    [InlineData("""{"inputs":[{"id":"number","id":"number","property":"value","value":1},{"id":"text","property":"value","value":"a"}]}""")]
    [InlineData("""{"inputs":[{"id":"number","property":"value","value":1},{"id":"text","property":"value","value":"a"}],"page":"a","page":"b"}""")]
    public async Task Duplicate_property_names_anywhere_in_the_body_get_400(string json)
    {
        var (response, body) = await PostAsync("typed", json);

        AssertProblem(response, body, HttpStatusCode.BadRequest);
        Assert.Equal(0, Volatile.Read(ref _runs));
    }

    [Fact]
    public async Task Duplicate_property_names_inside_a_value_get_400()
    {
        var (response, body) = await PostAsync("any", """{"inputs":[{"id":"any","property":"value","value":[1,{"a":{"b":1,"b":2}}]}]}""");

        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("\"7\"", "\"x\"", "number.value")]
    [InlineData("7", "7", "text.value")]
    [InlineData("\"NaN\"", "\"x\"", "number.value")]
    [InlineData("7", "true", "text.value")]
    public async Task Strings_and_numbers_are_never_read_as_each_other(string number, string text, string named)
    {
        var (response, body) = await PostAsync("typed",
            $$"""{"inputs":[{"id":"number","property":"value","value":{{number}}},{"id":"text","property":"value","value":{{text}}}]}""");

        AssertProblem(response, body, HttpStatusCode.BadRequest, named);
    }

    [Theory]
    [InlineData("application/problem+json")]
    [InlineData("application/json;;;")]
    [InlineData("application/json;")]
    [InlineData("application/json; charset")]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/vnd.api+json")]
    [InlineData("application/jsonx")]
    [InlineData("text/json")]
    [InlineData("application/json, text/plain")]
    public async Task Only_application_json_with_well_formed_parameters_is_accepted(string contentType)
    {
        var (response, body) = await PostAsync("typed", """{"inputs":[{"id":"number","property":"value","value":1},{"id":"text","property":"value","value":"a"}]}""", contentType);

        AssertProblem(response, body, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json;charset=\"UTF-8\"")]
    [InlineData("application/json; foo=bar")]
    public async Task Application_json_with_well_formed_parameters_is_accepted(string contentType)
    {
        var (response, _) = await PostAsync("typed", """{"inputs":[{"id":"number","property":"value","value":1},{"id":"text","property":"value","value":"a"}]}""", contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
