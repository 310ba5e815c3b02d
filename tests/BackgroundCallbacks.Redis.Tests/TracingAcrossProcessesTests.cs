using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// One trace across processes: a web process admits a job into Redis and a worker process runs it. The job's record
/// carries the invoke span's context, so the worker's run span is in the web request's trace, under the invoke span.
/// </summary>
public sealed class TracingAcrossProcessesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_run_on_a_worker_process_continues_the_web_requests_trace_under_the_invoke_span()
    {
        await using var cluster = await Cluster.StartAsync(webs: 0, workers: 1, workerSettings: ["--TestHost:Trace=true"]);
        var web = await cluster.StartWebAsync("--TestHost:Trace=true");
        var worker = cluster.Workers[0];
        using var browser = new ProtocolClient();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();

        var body = JsonSerializer.Serialize(new { inputs = new[] { new { id = "tiny-in", property = "value", value = 1 } }, state = Array.Empty<object>(), triggered = Array.Empty<string>() });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/tiny") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await browser.HttpFor(web.Address!).SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var handle = (await ProtocolClient.BodyAsync(response))["handle"]!.GetValue<string>();
        Assert.Equal("succeeded", (await browser.WaitForEndAsync(web.Address!, handle, Timeout))["status"]!.GetValue<string>());

        var requestSpan = Span(await web.WaitForLineAsync(l => l.StartsWith("SPAN|Microsoft.AspNetCore|", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal), Timeout));
        var invoke = Span(await web.WaitForLineAsync(l => l.StartsWith("SPAN|BackgroundCallbacks|backgroundcallbacks.invoke|" + traceId, StringComparison.Ordinal), Timeout));
        var run = Span(await worker.WaitForLineAsync(l => l.StartsWith("SPAN|BackgroundCallbacks|backgroundcallbacks.job.run|", StringComparison.Ordinal), Timeout));

        Assert.Equal(callerSpan, requestSpan.Parent);
        Assert.Equal(requestSpan.Id, invoke.Parent);
        Assert.Equal("tiny", invoke.CallbackId);
        Assert.Equal(traceId, run.TraceId);
        Assert.Equal(invoke.Id, run.Parent);
        Assert.Equal("tiny", run.CallbackId);
        Assert.DoesNotContain(web.Lines(), l => l.StartsWith("SPAN|BackgroundCallbacks|backgroundcallbacks.job.run|", StringComparison.Ordinal));
    }

    /// <summary>A "SPAN|source|name|traceId|spanId|parentSpanId|callbackId" line of the test host.</summary>
    private static (string TraceId, string Id, string Parent, string CallbackId) Span(string line)
    {
        var parts = line.Split('|');
        return (parts[3], parts[4], parts[5], parts[6]);
    }
}
