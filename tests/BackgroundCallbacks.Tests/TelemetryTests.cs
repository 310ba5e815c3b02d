using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Spans and instruments on the embedded default, held to docs/observability.md (ruling 20): the names, units and
/// attributes the library emits are exactly those the document lists.
/// </summary>
public sealed partial class TelemetryTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task The_spans_and_instruments_emitted_are_exactly_those_docs_observability_lists()
    {
        var (spans, instruments) = Documented();
        var id = "tel-" + Guid.NewGuid().ToString("N");
        using var recorder = new TelemetryRecorder(id);
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback(id, async (int? n, IProgress<int> progress, CallbackContext context, CancellationToken ct) =>
            {
                progress.Report(1);
                context.SetProps("side", new { children = "working" });
                await gate.PassAsync(ct);
                return n;
            })
            .Output("out", "children").Input("in", "value").Progress("bar", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        using var creator = app.NewClient();
        using var joiner = app.NewClient();
        using var later = app.NewClient();

        // Every kind of invocation once: a miss that creates a job, a miss that joins it, and a hit.
        var created = await creator.StartAsync(id, In(1));
        await gate.WaitReachedAsync();
        var (_, joined) = await joiner.InvokeAsync(id, In(1));
        Assert.True(joined["joined"]!.GetValue<bool>());
        gate.Open();
        Assert.Equal("succeeded", (await creator.WaitForEndAsync(created)).Status());
        var (hit, _) = await later.InvokeAsync(id, In(1));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        await recorder.WaitForAsync(
            r => spans.Keys.All(s => r.Spans.Any(a => a.OperationName == s)) && instruments.Keys.All(i => r.Measurements.Any(m => m.Instrument == i)),
            "every documented span and instrument");

        Assert.Equal(spans.Keys.Order(), recorder.Spans.Select(s => s.OperationName).Distinct().Order());
        foreach (var span in recorder.Spans)
        {
            Assert.Equal(spans[span.OperationName].Kind, span.Kind.ToString().ToLowerInvariant());
            Assert.Equal(spans[span.OperationName].Attributes, span.TagObjects.Select(t => t.Key).Distinct().Order());
        }

        Assert.Equal(instruments.Keys.Order(), recorder.Measurements.Select(m => m.Instrument).Distinct().Order());
        foreach (var measurement in recorder.Measurements)
        {
            var documented = instruments[measurement.Instrument];
            Assert.Equal(documented.Unit, measurement.Unit);
            Assert.Equal(documented.Attributes, measurement.Tags.Keys.Order());
        }
    }

    [Fact]
    public async Task A_jobs_run_continues_the_invoking_requests_trace_as_a_child_of_the_invoke_span()
    {
        var id = "tel-" + Guid.NewGuid().ToString("N");
        using var recorder = new TelemetryRecorder(id);
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback(id, (int? n) => n)
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/callbacks/{id}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { inputs = In(3), state = Array.Empty<object>(), triggered = Array.Empty<string>() }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var handle = (await CallbackClient.BodyAsync(response))["handle"].Str()!;
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
        await recorder.WaitForAsync(r => r.Spans.Any(s => s.OperationName == "backgroundcallbacks.job.run"), "the job's run span");

        var invoke = Assert.Single(recorder.Spans, s => s.OperationName == "backgroundcallbacks.invoke");
        var run = Assert.Single(recorder.Spans, s => s.OperationName == "backgroundcallbacks.job.run");
        Assert.Equal(traceId, invoke.TraceId);
        Assert.NotEqual(default, invoke.ParentSpanId);
        Assert.Equal(traceId, run.TraceId);
        Assert.Equal(invoke.SpanId, run.ParentSpanId);
        Assert.Equal("succeeded", run.GetTagItem("backgroundcallbacks.job.status"));
    }

    [Fact]
    public async Task The_instruments_count_misses_a_join_a_hit_and_each_jobs_final_status()
    {
        var shared = "tel-" + Guid.NewGuid().ToString("N");
        var failing = "tel-" + Guid.NewGuid().ToString("N");
        using var recorder = new TelemetryRecorder(shared, failing);
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback(shared, async (int? n, CancellationToken ct) => { await gate.PassAsync(ct); return n; })
                .Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = []; c.SharedResults = true; });
            b.MapBackgroundCallback(failing, int? (int? n) => throw new InvalidOperationException("no"))
                .Output("failed-out", "children").Input("in", "value");
        });
        using var a = app.NewClient();
        using var b = app.NewClient();

        var first = await a.StartAsync(shared, In(1));
        await gate.WaitReachedAsync();
        var second = await b.StartAsync(shared, In(1));
        gate.Open();
        await a.WaitForEndAsync(first);
        await b.WaitForEndAsync(second);
        var (hit, _) = await a.InvokeAsync(shared, In(1));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        var broken = await a.StartAsync(failing, In(1));
        Assert.Equal("failed", (await a.WaitForEndAsync(broken)).Status());
        await recorder.WaitForAsync(r => r.Sum("backgroundcallbacks.jobs.ended") == 2, "both jobs' ends");

        const string CallbackId = TelemetryRecorder.CallbackIdAttribute;
        Assert.Equal(3, recorder.Sum("backgroundcallbacks.invocations", (CallbackId, shared)));
        Assert.Equal(2, recorder.Sum("backgroundcallbacks.cache.lookups", (CallbackId, shared), ("backgroundcallbacks.cache.result", "miss")));
        Assert.Equal(1, recorder.Sum("backgroundcallbacks.cache.lookups", (CallbackId, shared), ("backgroundcallbacks.cache.result", "hit")));
        Assert.Equal(1, recorder.Sum("backgroundcallbacks.followers.joined", (CallbackId, shared)));
        Assert.Equal(1, recorder.Sum("backgroundcallbacks.jobs.ended", (CallbackId, shared), ("backgroundcallbacks.job.status", "succeeded")));
        Assert.Equal(1, recorder.Sum("backgroundcallbacks.jobs.ended", (CallbackId, failing), ("backgroundcallbacks.job.status", "failed")));
        Assert.Equal(0, recorder.Sum("backgroundcallbacks.cache.lookups", (CallbackId, failing)));
        var failedRun = Assert.Single(recorder.Spans, s => s.OperationName == "backgroundcallbacks.job.run" && Equals(s.GetTagItem(CallbackId), failing));
        Assert.Equal(ActivityStatusCode.Error, failedRun.Status);
    }

    /// <summary>The spans and instruments of docs/observability.md's "Tracing and metrics" tables.</summary>
    private static (Dictionary<string, (string Kind, string[] Attributes)> Spans, Dictionary<string, (string Unit, string[] Attributes)> Instruments) Documented()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "observability.md"));
        var start = text.IndexOf("## Tracing and metrics", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/observability.md has no \"Tracing and metrics\" section.");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];
        var spans = new Dictionary<string, (string, string[])>(StringComparer.Ordinal);
        var instruments = new Dictionary<string, (string, string[])>(StringComparer.Ordinal);
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            var name = cells[1].Trim('`');
            if (cells[2] is "counter" or "histogram")
            {
                instruments.Add(name, (cells[3].Trim('`'), Names(cells[4])));
            }
            else
            {
                spans.Add(name, (cells[2], Names(cells[3])));
            }
        }

        Assert.NotEmpty(spans);
        Assert.NotEmpty(instruments);
        return (spans, instruments);
    }

    private static string[] Names(string cell) => [.. CodeSpan().Matches(cell).Select(m => m.Groups[1].Value).Order()];

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BackgroundCallbacks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }
}
