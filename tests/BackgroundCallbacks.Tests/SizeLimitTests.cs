using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

/// <summary>Bodies and values over their limits, and JSON nested too deep, are refused with problem details, never a 5xx.</summary>
public class SizeLimitTests
{
    private static Task<TestApp> StartAsync(Action<BackgroundCallbacksOptions>? options = null, Action<IServiceCollection>? services = null) => TestApp.StartAsync(
        b =>
        {
            b.MapBackgroundCallback("add", (int a, string? label) => $"{label}:{a + 1}")
                .Output("out", "children", allowDuplicate: true).Input("a", "value").State("label", "value");
            b.MapBackgroundCallback("any", (System.Text.Json.JsonElement value) => value.ValueKind.ToString())
                .Output("out", "children", allowDuplicate: true).Input("any", "value");
        },
        options,
        services);

    private static async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(CallbackClient client, string callbackId, HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await client.Http.PostAsync($"/_callbacks/callbacks/{callbackId}", content);
        return (response, await CallbackClient.BodyAsync(response));
    }

    private static void AssertProblem(HttpResponseMessage response, JsonObject body, HttpStatusCode status)
    {
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body.ToJsonString()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
    }

    private static string AddBody(string label) =>
        $$"""{"inputs":[{"id":"a","property":"value","value":1}],"state":[{"id":"label","property":"value","value":"{{label}}"}]}""";

    [Fact]
    public async Task One_value_over_MaxArgumentSize_gets_413_naming_the_argument()
    {
        await using var app = await StartAsync(o => o.MaxArgumentSize = 1000);
        using var client = app.NewClient();

        var (tooLarge, body) = await PostAsync(client, "add", new StringContent(AddBody(new string('x', 999))));
        var (fits, _) = await PostAsync(client, "add", new StringContent(AddBody(new string('x', 998))));

        AssertProblem(tooLarge, body, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("label.value", body["detail"].Str());
        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
    }

    [Fact]
    public async Task MaxArgumentSize_defaults_to_256_KiB_and_must_be_positive()
    {
        Assert.Equal(256 * 1024, new BackgroundCallbacksOptions().MaxArgumentSize);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await StartAsync(o => o.MaxArgumentSize = 0)).DisposeAsync());
        Assert.Contains("MaxArgumentSize must be positive", error.Message);
    }

    [Fact]
    public async Task A_body_over_the_servers_own_stricter_limit_gets_413_problem_details()
    {
        await using var app = await StartAsync(services: s => s.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = 10_000));
        using var client = app.NewClient();

        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(AddBody(new string('x', 50_000)))));
        var request = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/add") { Content = content };
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        var response = await client.Http.SendAsync(request);

        AssertProblem(response, await CallbackClient.BodyAsync(response), HttpStatusCode.RequestEntityTooLarge);
        var (small, _) = await PostAsync(client, "add", new StringContent(AddBody("ok")));
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
    }

    [Theory]
    [InlineData("Content-Length: 104857600")]
    [InlineData("Transfer-Encoding: chunked")]
    public async Task An_oversized_body_is_answered_413_before_it_has_all_been_sent(string framing)
    {
        await using var app = await StartAsync(o => o.MaxRequestBodySize = 4096);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(app.Address.Host, app.Address.Port);
        var stream = tcp.GetStream();
        var chunk = new string(' ', 8192);
        var head = $"POST /_callbacks/callbacks/add HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{framing}\r\n\r\n";
        var part = framing.StartsWith("Transfer", StringComparison.Ordinal) ? $"{chunk.Length:x}\r\n{chunk}\r\n" : chunk;

        // The body is never finished: only an answer given before its end ends this test.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + part));
        var answer = await ReadResponseAsync(stream).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":413", answer);
    }

    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new byte[16_384];
        var text = new StringBuilder();
        while (true)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var all = text.ToString();
            var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var length = all.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (end >= 0 && length is not null && all.Length - end - 4 >= int.Parse(length.Split(':')[1].Trim()))
            {
                return all;
            }
        }
    }

    [Theory]
    [InlineData(65, "[", "]")]
    [InlineData(10_000, "[", "]")]
    [InlineData(10_000, "{\"a\":", "}")]
    public async Task JSON_nested_deeper_than_64_levels_gets_400(int depth, string open, string close)
    {
        await using var app = await StartAsync();
        using var client = app.NewClient();
        var value = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));

        var (response, body) = await PostAsync(client, "any", new StringContent($$"""{"inputs":[{"id":"any","property":"value","value":{{value}}}]}"""));

        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task JSON_nested_within_the_limit_is_taken()
    {
        await using var app = await StartAsync();
        using var client = app.NewClient();
        var value = new string('[', 60) + "1" + new string(']', 60);

        var (response, _) = await PostAsync(client, "any", new StringContent($$"""{"inputs":[{"id":"any","property":"value","value":{{value}}}]}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
