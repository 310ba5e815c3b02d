using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// A cached callback called as an MCP tool, one call at a time over one Streamable HTTP session of the SDK's client,
/// against a bare tool registered with the SDK on the same server (its answer as long as the cached result's), and
/// against the same callback's cache hit through the HTTP door.
/// </summary>
[MemoryDiagnoser]
public class McpBenchmarks
{
    private const string Invocation = """{"inputs":[{"id":"in","property":"value","value":7}],"state":[],"triggered":["in.value"]}""";

    private static readonly Dictionary<string, object?> Arguments = new() { ["n"] = 7 };

    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private McpClient _mcp = null!;
    private string _bareText = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (app, address) = await BenchmarkServer.StartAsync(mcpBareText: () => _bareText);
        _app = app;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = address };
        _mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));

        await WarmHttpAsync();

        // The first call runs the job and waits for its end; the second must come from the cache, or this is not the
        // benchmark it says it is.
        await _mcp.CallToolAsync("square", Arguments);
        var hit = await _mcp.CallToolAsync("square", Arguments);
        var source = hit.Meta?["backgroundcallbacks"]?["source"]?.GetValue<string>();
        if (hit.IsError == true || source != "cache")
        {
            throw new InvalidOperationException($"The second MCP call was not a cache hit (source '{source}'): {Serialize(hit)}");
        }

        // The bare tool answers a text block whose JSON is as long as the cache hit's whole result (content,
        // structuredContent and _meta), so both answers carry the same number of bytes.
        var hitLength = Serialize(hit).Length;
        var emptyLength = Serialize(new CallToolResult { Content = [new TextContentBlock { Text = "" }] }).Length;
        _bareText = new string('x', hitLength - emptyLength);
        var bareLength = Serialize(await _mcp.CallToolAsync(BenchmarkServer.McpBareTool, Arguments)).Length;
        Console.WriteLine($"// MCP result JSON: cache hit {hitLength} chars, bare tool {bareLength} chars");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _mcp.DisposeAsync();
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "MCP bare tool call")]
    public async Task<CallToolResult> BareTool() => await _mcp.CallToolAsync(BenchmarkServer.McpBareTool, Arguments);

    [Benchmark(Description = "MCP tool call, cache hit")]
    public async Task<CallToolResult> ToolCacheHit() => await _mcp.CallToolAsync("square", Arguments);

    [Benchmark(Description = "POST invocation, cache hit")]
    public async Task<int> HttpCacheHit() => (int)(await PostAsync("/_callbacks/callbacks/square")).StatusCode;

    private static string Serialize(CallToolResult result) => JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions);

    private async Task WarmHttpAsync()
    {
        var first = await PostAsync("/_callbacks/callbacks/square");
        var handle = JsonNode.Parse(await first.Content.ReadAsStringAsync())!["handle"]!.GetValue<string>();
        var jobPath = $"/_callbacks/jobs/{handle}";
        while (JsonNode.Parse(await _http.GetStringAsync(jobPath + "?after=0&wait=1000"))!["status"]!.GetValue<string>() != "succeeded")
        {
        }

        var hit = await PostAsync("/_callbacks/callbacks/square");
        if (hit.StatusCode != HttpStatusCode.OK || JsonNode.Parse(await hit.Content.ReadAsStringAsync())!["cached"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"The second POST was not a cache hit: {(int)hit.StatusCode}.");
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string path)
    {
        var response = await _http.PostAsync(path, new StringContent(Invocation, Encoding.UTF8, "application/json"));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
