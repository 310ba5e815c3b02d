using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public sealed class ProtocolTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private CallbackClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("add", (int a, string? label) => $"{label}:{a + 1}")
                .Output("out", "children").Input("a", "value").State("label", "value")
                .Configure(c => c.Interval = 1500),
            o => o.MaxRequestBodySize = 4096);
        _client = _app.NewClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private static object[] A(object? value) => [CallbackClient.Value("a", "value", value)];

    private static object[] Label(object? value) => [CallbackClient.Value("label", "value", value)];

    private async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(string callbackId, string body, string contentType = "application/json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await _client.Http.PostAsync($"/_callbacks/callbacks/{callbackId}", content);
        return (response, await CallbackClient.BodyAsync(response));
    }

    private static void AssertProblem(HttpResponseMessage response, JsonObject body, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["title"].Str()));
    }

    [Fact]
    public async Task A_miss_answers_202_with_location_retry_after_handle_status_interval_and_progress_defaults()
    {
        var (response, body) = await _client.InvokeAsync("add", A(1), Label("x"), ["a.value"]);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var handle = body["handle"].Str()!;
        Assert.Equal($"/_callbacks/jobs/{handle}", response.Headers.Location!.OriginalString);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
        Assert.Equal("queued", body.Status());
        Assert.Equal(1500, body["interval"]!.GetValue<int>());
        Assert.NotNull(body["progressDefault"]!.AsArray());
        Assert.Equal("x:2", CallbackClient.Output(await _client.WaitForEndAsync(handle), "out", "children").Str());
    }

    [Fact]
    public async Task Job_handles_carry_128_random_bits_and_never_repeat()
    {
        var handles = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            handles.Add(await _client.StartAsync("add", A(i), Label("x")));
        }

        Assert.Equal(50, handles.Count);
        foreach (var handle in handles)
        {
            var random = handle.Split('.')[0];
            Assert.Equal(16, Base64Url.DecodeFromChars(random).Length);
        }
    }

    [Fact]
    public async Task Malformed_json_gets_400_problem_details()
    {
        var (response, body) = await PostAsync("add", "{\"inputs\": [");
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_body_that_is_not_an_object_gets_400()
    {
        var (response, body) = await PostAsync("add", "[1, 2]");
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Wrong_arity_gets_400_saying_how_many_are_expected()
    {
        var (response, body) = await _client.InvokeAsync("add", [CallbackClient.Value("a", "value", 1), CallbackClient.Value("a", "value", 2)], Label("x"));
        AssertProblem(response, body, HttpStatusCode.BadRequest);
        Assert.Contains("takes 1", body["detail"].Str());
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_gets_400_naming_the_argument()
    {
        var (response, body) = await _client.InvokeAsync("add", A("not a number"), Label("x"));
        AssertProblem(response, body, HttpStatusCode.BadRequest);
        Assert.Contains("a.value", body["detail"].Str());
    }

    [Fact]
    public async Task Null_for_a_non_nullable_parameter_gets_400()
    {
        var (response, body) = await _client.InvokeAsync("add", A(null), Label("x"));
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_value_for_another_component_than_declared_gets_400()
    {
        var (response, body) = await _client.InvokeAsync("add", [CallbackClient.Value("b", "value", 1)], Label("x"));
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Triggered_must_name_an_input_of_the_callback()
    {
        var (response, body) = await _client.InvokeAsync("add", A(1), Label("x"), ["label.value"]);
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_type_name_in_the_body_is_never_used_to_deserialize()
    {
        var (response, body) = await PostAsync("add",
            """{"$type":"System.IO.FileInfo, System.IO.FileSystem","inputs":[{"id":"a","property":"value","value":{"$type":"System.Diagnostics.Process","StartInfo":{}}}],"state":[{"id":"label","property":"value","value":"x"}]}""");
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_unknown_callback_gets_404_problem_details()
    {
        var (response, body) = await _client.InvokeAsync("no-such-callback", A(1));
        AssertProblem(response, body, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_oversized_body_gets_413_problem_details()
    {
        var (response, body) = await _client.InvokeAsync("add", A(1), Label(new string('x', 10_000)));
        AssertProblem(response, body, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task An_oversized_chunked_body_gets_413_too()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"inputs\":[],\"pad\":\"" + new string('x', 10_000) + "\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/add") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _client.Http.SendAsync(request);

        AssertProblem(response, await CallbackClient.BodyAsync(response), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_wrong_content_type_gets_415_problem_details()
    {
        var (response, body) = await PostAsync("add", "inputs=1", "application/x-www-form-urlencoded");
        AssertProblem(response, body, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_poll_with_a_malformed_after_gets_400()
    {
        var handle = await _client.StartAsync("add", A(1), Label("x"));
        var response = await _client.Http.GetAsync($"/_callbacks/jobs/{handle}?after=abc");
        AssertProblem(response, await CallbackClient.BodyAsync(response), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_malformed_handle_gets_404()
    {
        var (response, body) = await _client.PollAsync("not-a-handle");
        AssertProblem(response, body, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Dependencies_list_what_the_client_needs()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("update-clicks", (int? clicks, string? value, IProgress<object?[]> progress, CancellationToken ct) => $"{clicks}")
            .Output("paragraph_id", "children")
            .Input("button_id", "n_clicks", name: "clicks").State("input-1", "value")
            .Running("button_id", "disabled", true, false)
            .Progress("progress_bar", "value", 0).Progress("progress_bar", "max", 10)
            .Cancel("cancel_button_id", "n_clicks")
            .Configure(c => { c.Interval = 500; c.PreventInitialCall = true; }));
        using var client = app.NewClient();

        var response = await client.Http.GetAsync("/_callbacks/dependencies");
        var body = await CallbackClient.BodyAsync(response);

        var callback = body["callbacks"]!.AsArray().Single()!;
        Assert.Equal("update-clicks", callback["id"].Str());
        Assert.Equal("button_id", callback["inputs"]![0]!["id"].Str());
        Assert.Equal("clicks", callback["inputs"]![0]!["name"].Str());
        Assert.Equal("input-1", callback["state"]![0]!["id"].Str());
        Assert.Equal("paragraph_id", callback["outputs"]![0]!["id"].Str());
        Assert.True(callback["running"]![0]!["whileRunning"]!.GetValue<bool>());
        Assert.False(callback["running"]![0]!["whenDone"]!.GetValue<bool>());
        Assert.Equal(10, callback["progress"]![1]!["default"]!.GetValue<int>());
        Assert.Equal("cancel_button_id", callback["cancel"]![0]!["id"].Str());
        Assert.Equal(500, callback["interval"]!.GetValue<int>());
        Assert.True(callback["preventInitialCall"]!.GetValue<bool>());
    }
}
