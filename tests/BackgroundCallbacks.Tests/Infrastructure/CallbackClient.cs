using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BackgroundCallbacks.Tests.Infrastructure;

/// <summary>Speaks the wire protocol of docs/protocol.md, as the browser client does.</summary>
public sealed class CallbackClient(HttpClient http, bool ownsHttp = true) : IDisposable
{
    public const string Prefix = "/_callbacks";

    public HttpClient Http { get; } = http;

    /// <summary>The page id this client sends with each invocation, as one browser tab does; null sends none.</summary>
    public string? Page { get; init; }

    public static object Value(string id, string property, object? value) => new { id, property, value };

    /// <summary>The job id a handle names: the part every follower of the job shares.</summary>
    public static string JobId(string handle) => handle.Split('.')[1];

    /// <summary>Another tab of the same browser: same cookies, its own page id.</summary>
    public CallbackClient ForPage(string page) => new(Http, ownsHttp: false) { Page = page };

    public Task<HttpResponseMessage> InvokeRawAsync(string callbackId, object body) =>
        Http.PostAsync($"{Prefix}/callbacks/{callbackId}", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    public async Task<(HttpResponseMessage Response, JsonObject Body)> InvokeAsync(string callbackId, object[] inputs, object[]? state = null, string[]? triggered = null)
    {
        object body = Page is null
            ? new { inputs, state = state ?? [], triggered = triggered ?? [] }
            : new { inputs, state = state ?? [], triggered = triggered ?? [], page = Page };
        var response = await InvokeRawAsync(callbackId, body);
        return (response, await BodyAsync(response));
    }

    /// <summary>Gets the session cookie before anything else, so concurrent first requests do not each start a session.</summary>
    public async Task<CallbackClient> WithSessionAsync()
    {
        using var response = await Http.GetAsync($"{Prefix}/dependencies");
        response.EnsureSuccessStatusCode();
        return this;
    }

    /// <summary>Invokes and expects a job; returns its handle.</summary>
    public async Task<string> StartAsync(string callbackId, object[] inputs, object[]? state = null, string[]? triggered = null)
    {
        var (response, body) = await InvokeAsync(callbackId, inputs, state, triggered);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {body.ToJsonString()}");
        return body["handle"]!.GetValue<string>();
    }

    public async Task<(HttpResponseMessage Response, JsonObject Body)> PollAsync(string handle, long? after = null, int? waitMs = null)
    {
        var query = new List<string>();
        if (after is not null) query.Add($"after={after}");
        if (waitMs is not null) query.Add($"wait={waitMs}");
        var response = await Http.GetAsync($"{Prefix}/jobs/{handle}" + (query.Count > 0 ? "?" + string.Join("&", query) : ""));
        return (response, await BodyAsync(response));
    }

    public async Task<(HttpResponseMessage Response, JsonObject Body)> CancelAsync(string handle)
    {
        var response = await Http.DeleteAsync($"{Prefix}/jobs/{handle}");
        return (response, await BodyAsync(response));
    }

    /// <summary>Long-polls until the job ends, within a deadline.</summary>
    public async Task<JsonObject> WaitForEndAsync(string handle, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        long after = 0;
        while (DateTime.UtcNow < deadline)
        {
            var (response, body) = await PollAsync(handle, after, 5000);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = body["status"]!.GetValue<string>();
            if (status is "succeeded" or "failed" or "canceled")
            {
                // A poll brings only what is newer than its `after`: read the ended job whole, as a reloaded page would,
                // so the caller sees the last progress and every side update whenever they were written.
                return after == 0 ? body : (await PollAsync(handle)).Body;
            }

            after = body["version"]!.GetValue<long>();
        }

        throw new TimeoutException($"Job {handle} did not end in time.");
    }

    /// <summary>Long-polls until <paramref name="predicate"/> holds for a poll's body, within a deadline.</summary>
    public async Task<JsonObject> WaitUntilAsync(string handle, Func<JsonObject, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        long after = 0;
        while (DateTime.UtcNow < deadline)
        {
            var (_, body) = await PollAsync(handle, after, 5000);
            if (predicate(body))
            {
                return body;
            }

            after = body["version"]!.GetValue<long>();
        }

        throw new TimeoutException($"Job {handle} never reached the expected state.");
    }

    public static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrEmpty(text))
        {
            return new JsonObject();
        }

        return JsonNode.Parse(text) as JsonObject ?? new JsonObject { ["value"] = JsonNode.Parse(text) };
    }

    /// <summary>The value of output <paramref name="id"/>.<paramref name="property"/> in an outputs array.</summary>
    public static JsonNode? Output(JsonObject body, string id, string property, string field = "outputs") =>
        body[field]?.AsArray().FirstOrDefault(o => o!["id"]!.ToString() == id && o["property"]!.GetValue<string>() == property)?["value"];

    public void Dispose()
    {
        if (ownsHttp)
        {
            Http.Dispose();
        }
    }
}
