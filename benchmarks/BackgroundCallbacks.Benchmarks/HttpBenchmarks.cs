using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// The hot endpoints over real HTTP on loopback, one request at a time, against a bare endpoint on the same server:
/// a cache hit (the invoke path that never queues) and a poll of a finished job.
/// </summary>
[MemoryDiagnoser]
public class HttpBenchmarks
{
    private const string Invocation = """{"inputs":[{"id":"in","property":"value","value":7}],"state":[],"triggered":["in.value"]}""";

    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _jobPath = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (app, address) = await BenchmarkServer.StartAsync();
        _app = app;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = address };

        var first = await PostAsync("/_callbacks/callbacks/square");
        var handle = JsonNode.Parse(await first.Content.ReadAsStringAsync())!["handle"]!.GetValue<string>();
        _jobPath = $"/_callbacks/jobs/{handle}";
        while (JsonNode.Parse(await _http.GetStringAsync(_jobPath + "?after=0&wait=1000"))!["status"]!.GetValue<string>() != "succeeded")
        {
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "POST bare endpoint")]
    public async Task<int> BarePost() => (int)(await PostAsync("/bare")).StatusCode;

    [Benchmark(Description = "POST invocation, cache hit")]
    public async Task<int> CacheHit() => (int)(await PostAsync("/_callbacks/callbacks/square")).StatusCode;

    [Benchmark(Description = "GET bare endpoint")]
    public async Task<int> BareGet() => (int)(await _http.GetAsync("/bare")).StatusCode;

    [Benchmark(Description = "GET finished job")]
    public async Task<int> PollFinished() => (int)(await _http.GetAsync(_jobPath)).StatusCode;

    private async Task<HttpResponseMessage> PostAsync(string path)
    {
        var response = await _http.PostAsync(path, new StringContent(Invocation, Encoding.UTF8, "application/json"));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
