using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>
/// One MCP session over Streamable HTTP that hands back a tool call's response stream in the order it came off the
/// wire. The SDK's client runs each incoming message's handler on a task of its own, so the order in which an
/// <see cref="IProgress{T}"/> sees notifications, and whether it sees the last before the call returns, is not the order
/// the server sent them in; a test of that order reads the stream itself.
/// </summary>
public sealed class WireClient : IDisposable
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string VersionHeader = "MCP-Protocol-Version";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Uri _endpoint;
    private string? _session;
    private string? _version;
    private int _nextId;

    private WireClient(Uri endpoint) => _endpoint = endpoint;

    public static async Task<WireClient> ConnectAsync(Uri endpoint)
    {
        var client = new WireClient(endpoint);
        var initialized = await client.RequestAsync("initialize", new JsonObject
        {
            ["protocolVersion"] = "2025-06-18",
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "wire-test", ["version"] = "1.0" },
        }, null);
        client._version = initialized[^1].GetProperty("result").GetProperty("protocolVersion").GetString();
        using var notified = await client.PostAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        notified.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Calls a tool with a progress token; every message of its response stream in arrival order, the response last.</summary>
    public Task<IReadOnlyList<JsonElement>> CallToolAsync(string name, IReadOnlyDictionary<string, object?> arguments, string progressToken) =>
        RequestAsync("tools/call", new JsonObject
        {
            ["name"] = name,
            ["arguments"] = JsonSerializer.SerializeToNode(arguments),
            ["_meta"] = new JsonObject { ["progressToken"] = progressToken },
        }, progressToken);

    public void Dispose() => _http.Dispose();

    /// <summary>The <c>notifications/progress</c> params of a call's messages, in arrival order.</summary>
    public static IReadOnlyList<JsonElement> Progress(IReadOnlyList<JsonElement> messages) =>
        messages.Where(m => m.TryGetProperty("method", out var method) && method.GetString() == "notifications/progress")
            .Select(m => m.GetProperty("params"))
            .ToArray();

    private async Task<IReadOnlyList<JsonElement>> RequestAsync(string method, JsonObject parameters, string? progressToken)
    {
        var id = ++_nextId;
        using var response = await PostAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        response.EnsureSuccessStatusCode();
        if (response.Headers.TryGetValues(SessionHeader, out var session))
        {
            _session = session.First();
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            return [JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone()];
        }

        // Server-sent events: each event's data lines make one JSON-RPC message; the stream ends with the response.
        var messages = new List<JsonElement>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5)).Append('\n');
                continue;
            }

            if (line.Length > 0 || data.Length == 0)
            {
                continue;
            }

            var message = JsonDocument.Parse(data.ToString()).RootElement.Clone();
            data.Clear();
            messages.Add(message);
            if (message.TryGetProperty("id", out var answered) && answered.ValueKind == JsonValueKind.Number && answered.GetInt32() == id)
            {
                return messages;
            }
        }

        throw new InvalidOperationException($"The stream of {method} ended without its response (token {progressToken}).");
    }

    private Task<HttpResponseMessage> PostAsync(JsonObject message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (_session is not null)
        {
            request.Headers.Add(SessionHeader, _session);
        }

        if (_version is not null)
        {
            request.Headers.Add(VersionHeader, _version);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
