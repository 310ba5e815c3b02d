using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The event stream across real processes: a job queued through web process A, run by the worker process, and followed
/// by a stream on web process B, which hears of each change only through Redis.
/// </summary>
public sealed class EventStreamAcrossProcessesTests(MultiProcessFixture fixture, ITestOutputHelper output) : IClassFixture<MultiProcessFixture>
{
    private const int Steps = 6;

    [Fact]
    public async Task A_stream_on_another_web_process_gets_the_workers_progress_and_the_result()
    {
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(fixture.WebA.Address!, "progress", "progress-in", "value", Steps);

        using var stream = await EventStreamReader.OpenAsync(browser.HttpFor(fixture.WebB.Address!), $"/_callbacks/events?jobs={handle}");
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        var documents = new List<JsonObject>();
        var latencies = new List<double>();
        while (await stream.NextAsync(TimeSpan.FromSeconds(60)) is { } next && next.Event != "end")
        {
            if (next.Event == "job")
            {
                var document = (JsonObject)JsonNode.Parse(next.Data!)!;
                documents.Add(document);
                if (ProtocolClient.Value(document, "progress-bar", "value", "progress") is { } progress)
                {
                    latencies.Add(TimeSpan.FromTicks(DateTime.UtcNow.Ticks - long.Parse(progress.GetValue<string>().Split('|')[1])).TotalMilliseconds);
                }
            }
        }

        output.WriteLine("Progress report on the worker to event on web B (ms): " + string.Join(", ", latencies.Select(l => l.ToString("F1"))));
        var steps = documents.Select(d => ProtocolClient.Value(d, "progress-bar", "value", "progress")?.GetValue<string>()).OfType<string>()
            .Select(p => int.Parse(p.Split('|')[0])).ToArray();
        Assert.Equal(steps.Order().Distinct(), steps);
        Assert.Equal(Steps, steps[^1]);

        // The reports are 250 ms apart: a stream woken by Redis sees them while the job runs, not all at its end.
        Assert.True(documents.Count(d => d["status"]!.GetValue<string>() == "running" && d["progress"] is JsonArray) >= 2,
            "the progress arrived only with the result: the stream was not woken by the worker's changes");
        Assert.Equal("succeeded", documents[^1]["status"]!.GetValue<string>());
        Assert.Equal("done", ProtocolClient.Value(documents[^1], "progress-out", "children")!.GetValue<string>());
        Assert.Null(await stream.NextAsync());
    }
}
