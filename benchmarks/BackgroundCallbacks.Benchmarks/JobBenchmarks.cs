using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Builder;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// One job from request to result: raw Hangfire (enqueue in-process, a worker signals completion) against a
/// background callback (POST over HTTP, a worker runs the handler, a long poll brings the result back).
/// </summary>
[MemoryDiagnoser]
public class JobBenchmarks
{
    private const string Invocation = """{"inputs":[{"id":"in","property":"value","value":7}],"state":[],"triggered":["in.value"]}""";

    private InMemoryStorage _storage = null!;
    private BackgroundJobServer _server = null!;
    private BackgroundJobClient _client = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _storage = new InMemoryStorage();
        _server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 4 }, _storage);
        _client = new BackgroundJobClient(_storage);
        var (app, address) = await BenchmarkServer.StartAsync();
        _app = app;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = address };
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _server.Dispose();
        _storage.Dispose();
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "raw Hangfire job, enqueue to done")]
    public async Task RawHangfire()
    {
        var done = RawJob.Expect();
        _client.Enqueue(() => RawJob.Run(done.Id));
        await done.Task;
    }

    [Benchmark(Description = "background callback, POST to result")]
    public async Task<string> BackgroundCallback()
    {
        // The cache is on in the benchmark server; a value never seen before makes every call a real job.
        var body = Invocation.Replace("7", Random.Shared.Next(1_000_000, int.MaxValue).ToString(), StringComparison.Ordinal);
        using var accepted = await _http.PostAsync("/_callbacks/callbacks/square", new StringContent(body, Encoding.UTF8, "application/json"));
        var job = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
        var location = job["location"]!.GetValue<string>();
        var version = job["version"]!.GetValue<long>();
        while (true)
        {
            var state = JsonNode.Parse(await _http.GetStringAsync($"{location}?after={version}&wait=5000"))!;
            if (state["status"]!.GetValue<string>() == "succeeded")
            {
                return state["outputs"]![0]!["value"]!.GetValue<string>();
            }

            version = state["version"]!.GetValue<long>();
        }
    }
}
