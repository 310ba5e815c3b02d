using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Client;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// One browser speaking docs/protocol.md: one cookie jar (so one anonymous session) for every web process it talks
/// to, as a browser behind a load balancer would. Starting and following jobs goes through the .NET client
/// (BackgroundCallbacks.Client), one per web process over that process's connection; invoking, polling, cancelling
/// and uploading stay plain HTTP, for the tests that check answers on the wire.
/// </summary>
public sealed class ProtocolClient : IDisposable
{
    private const string Prefix = "/_callbacks";

    private readonly CookieContainer _cookies = new();
    private readonly ConcurrentDictionary<Uri, HttpClient> _clients = new();
    private readonly ConcurrentDictionary<Uri, BackgroundCallbacksClient> _dotnetClients = new();

    public async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> InvokeAsync(Uri web, string callbackId, string inputId, string property, object? value)
    {
        var body = JsonSerializer.Serialize(new { inputs = new[] { new { id = inputId, property, value } }, state = Array.Empty<object>(), triggered = new[] { inputId + "." + property } });
        var response = await Client(web).PostAsync($"{Prefix}/callbacks/{callbackId}", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await BodyAsync(response), response);
    }

    /// <summary>Invokes with an <c>Idempotency-Key</c>, as a client that retries safely does.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> InvokeWithKeyAsync(Uri web, string idempotencyKey, string callbackId, string inputId, string property, object? value)
    {
        var body = JsonSerializer.Serialize(new { inputs = new[] { new { id = inputId, property, value } }, state = Array.Empty<object>(), triggered = new[] { inputId + "." + property } });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Prefix}/callbacks/{callbackId}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await Client(web).SendAsync(request);
        return (response.StatusCode, await BodyAsync(response), response);
    }

    /// <summary>Takes a session cookie before anything else, so concurrent first requests share one session.</summary>
    public async Task<ProtocolClient> WithSessionAsync(Uri web)
    {
        using var response = await Client(web).GetAsync($"{Prefix}/dependencies");
        response.EnsureSuccessStatusCode();
        return this;
    }

    /// <summary>Invokes and expects a job; returns its handle.</summary>
    public async Task<string> StartAsync(Uri web, string callbackId, string inputId, string property, object? value)
    {
        CallbackInvocation invocation;
        try
        {
            invocation = await DotnetClient(web).InvokeAsync(callbackId, new CallbackRequest
            {
                Inputs = [new CallbackValue(inputId, property, JsonSerializer.SerializeToElement(value))],
                Triggered = [inputId + "." + property],
            });
        }
        catch (CallbackProblemException problem)
        {
            throw new Xunit.Sdk.XunitException($"Expected 202, got {(int)problem.StatusCode}: {problem.Problem.GetRawText()}");
        }

        Assert.True(invocation.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)invocation.StatusCode}: {invocation.Document.GetRawText()}");
        return invocation.Handle!;
    }

    public async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> PollAsync(Uri web, string handle, long? after = null, int? waitMs = null)
    {
        var query = new List<string>();
        if (after is not null) query.Add($"after={after}");
        if (waitMs is not null) query.Add($"wait={waitMs}");
        var response = await Client(web).GetAsync($"{Prefix}/jobs/{handle}" + (query.Count > 0 ? "?" + string.Join("&", query) : ""));
        return (response.StatusCode, await BodyAsync(response), response);
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> CancelAsync(Uri web, string handle)
    {
        var response = await Client(web).DeleteAsync($"{Prefix}/jobs/{handle}");
        return (response.StatusCode, await BodyAsync(response));
    }

    /// <summary>
    /// Follows the job to its end within a deadline, then reads the ended job whole: a follow brings each update's
    /// news only, and the caller wants the last progress and every side update.
    /// </summary>
    public async Task<JsonObject> WaitForEndAsync(Uri web, string handle, TimeSpan timeout)
    {
        await WaitUntilAsync(web, handle, b => b["status"]?.GetValue<string>() is "succeeded" or "failed" or "canceled", timeout);
        var (status, body, _) = await PollAsync(web, handle);
        Assert.True(status == HttpStatusCode.OK, $"Expected 200, got {(int)status}: {body.ToJsonString()}");
        return body;
    }

    /// <summary>Follows the job until <paramref name="predicate"/> holds for an update's body, within a deadline.</summary>
    public async Task<JsonObject> WaitUntilAsync(Uri web, string handle, Func<JsonObject, bool> predicate, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        JsonObject? last = null;
        try
        {
            await foreach (var update in DotnetClient(web).FollowAsync(handle, 0, deadline.Token))
            {
                last = JsonNode.Parse(update.Document.GetRawText())!.AsObject();
                if (predicate(last))
                {
                    return last;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }
        catch (CallbackProblemException problem)
        {
            throw new Xunit.Sdk.XunitException($"Expected 200, got {(int)problem.StatusCode}: {problem.Problem.GetRawText()}");
        }

        throw new TimeoutException($"Job {handle} never reached the expected state; last seen: {last?.ToJsonString()}");
    }

    public static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return string.IsNullOrEmpty(text) ? [] : JsonNode.Parse(text) as JsonObject ?? new JsonObject { ["value"] = JsonNode.Parse(text) };
    }

    /// <summary>The value of an output (or progress) in a body's list.</summary>
    public static JsonNode? Value(JsonObject body, string id, string property, string field = "outputs") =>
        body[field]?.AsArray().FirstOrDefault(o => o!["id"]!.ToString() == id && o["property"]!.GetValue<string>() == property)?["value"];

    /// <summary>The props of every side update of one component, oldest first.</summary>
    public static JsonObject[] SideUpdates(JsonObject body, string componentId) =>
        body["sideUpdates"]?.AsArray().Where(u => u!["id"]!.ToString() == componentId).Select(u => u!["props"]!.AsObject()).ToArray() ?? [];

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>Uploads a file as the browser client does: its bytes as the body.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> UploadAsync(Uri web, string name, byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await Client(web).PostAsync($"{Prefix}/uploads?name={Uri.EscapeDataString(name)}", content);
        return (response.StatusCode, await BodyAsync(response));
    }

    /// <summary>This browser's connection to one web process, for requests the helpers above do not make (an event stream).</summary>
    public HttpClient HttpFor(Uri web) => Client(web);

    private BackgroundCallbacksClient DotnetClient(Uri web) => _dotnetClients.GetOrAdd(web, address => new BackgroundCallbacksClient(Client(address), new BackgroundCallbacksClientOptions
    {
        BaseAddress = address,
        // Outages are what many tests are about: they see every 503, never a retry.
        MaxRetries = 0,
        LongPollWait = TimeSpan.FromSeconds(5),
    }, timeProvider: null, cookies: null));

    private HttpClient Client(Uri web) => _clients.GetOrAdd(web, address => new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies, UseCookies = true })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(60),
    });
}
