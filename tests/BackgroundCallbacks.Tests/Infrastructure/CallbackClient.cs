using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Client;

namespace BackgroundCallbacks.Tests.Infrastructure;

/// <summary>
/// The tests' client: starting and following jobs goes through the .NET client (BackgroundCallbacks.Client), so every
/// test exercises it; the Raw/Invoke/Poll/Cancel methods and <see cref="Http"/> stay plain HTTP, for the tests that
/// check status codes, headers and refusals on the wire. Cookies are the <see cref="HttpClient"/>'s own, as a test
/// hands it in.
/// </summary>
public sealed class CallbackClient(HttpClient http, bool ownsHttp = true) : IDisposable
{
    public const string Prefix = "/_callbacks";

    private readonly BackgroundCallbacksClient _client = new(http, new BackgroundCallbacksClientOptions
    {
        BaseAddress = http.BaseAddress,
        // Refusals are what many tests are about: they see every 503 and 429, never a retry.
        MaxRetries = 0,
        LongPollWait = TimeSpan.FromSeconds(5),
    }, timeProvider: null, cookies: null);

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
        CallbackInvocation invocation;
        try
        {
            invocation = await _client.InvokeAsync(callbackId, new CallbackRequest
            {
                Inputs = inputs.Select(ToCallbackValue).ToList(),
                State = (state ?? []).Select(ToCallbackValue).ToList(),
                Triggered = triggered ?? [],
                Page = Page,
            });
        }
        catch (CallbackProblemException problem)
        {
            throw new Xunit.Sdk.XunitException($"Expected 202, got {(int)problem.StatusCode}: {problem.Problem.GetRawText()}");
        }

        Assert.True(invocation.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)invocation.StatusCode}: {invocation.Document.GetRawText()}");
        return invocation.Handle!;
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

    /// <summary>Follows the job to its end within a deadline, then reads it whole, as a reloaded page would.</summary>
    public async Task<JsonObject> WaitForEndAsync(string handle, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var _ in _client.FollowAsync(handle, 0, deadline.Token))
            {
            }

            // A follow brings each update's news only: the whole ended job has the last progress and every side update.
            return ToJson((await _client.GetJobAsync(handle, deadline.Token)).Document);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Job {handle} did not end in time.");
        }
    }

    /// <summary>Follows the job until <paramref name="predicate"/> holds for an update's body, within a deadline.</summary>
    public async Task<JsonObject> WaitUntilAsync(string handle, Func<JsonObject, bool> predicate, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        JsonObject? last = null;
        try
        {
            await foreach (var update in _client.FollowAsync(handle, 0, deadline.Token))
            {
                last = ToJson(update.Document);
                if (predicate(last))
                {
                    return last;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Job {handle} never reached the expected state; last seen: {last?.ToJsonString()}");
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

    /// <summary>A value as the tests write it (an object with id, property, value and maybe ids), as the .NET client takes it.</summary>
    private static CallbackValue ToCallbackValue(object value)
    {
        var element = JsonSerializer.SerializeToElement(value);
        return new CallbackValue(
            element.GetProperty("id"),
            element.GetProperty("property").GetString()!,
            element.TryGetProperty("value", out var v) ? v : null,
            element.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array ? ids.EnumerateArray().Cast<object>().ToList() : null);
    }

    private static JsonObject ToJson(JsonElement document) => JsonNode.Parse(document.GetRawText())!.AsObject();

    public void Dispose()
    {
        if (ownsHttp)
        {
            Http.Dispose();
        }
    }
}
