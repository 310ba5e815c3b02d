using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

public abstract class MultiProcessScenarios(MultiProcessFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_result_computed_by_the_worker_is_a_hit_on_the_other_web_process()
    {
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(fixture.WebA.Address!, "square", "square-in", "value", 7);
        var done = await browser.WaitForEndAsync(fixture.WebA.Address!, handle, JobTimeout);
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal($"49@{fixture.Worker.Pid}", ProtocolClient.Value(done, "square-out", "children")!.GetValue<string>());

        using var otherBrowser = new ProtocolClient();
        var (status, body, _) = await otherBrowser.InvokeAsync(fixture.WebB.Address!, "square", "square-in", "value", 7);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["cached"]!.GetValue<bool>());
        Assert.Equal($"49@{fixture.Worker.Pid}", ProtocolClient.Value(body, "square-out", "children")!.GetValue<string>());
    }

    [Fact]
    public async Task A_cached_result_survives_a_restart_of_the_web_process()
    {
        using (var browser = new ProtocolClient())
        {
            var handle = await browser.StartAsync(fixture.WebA.Address!, "square", "square-in", "value", 12);
            var done = await browser.WaitForEndAsync(fixture.WebA.Address!, handle, JobTimeout);
            Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        }

        var oldPid = fixture.WebA.Pid;
        await fixture.RestartWebAAsync();
        Assert.NotEqual(oldPid, fixture.WebA.Pid);

        using var afterRestart = new ProtocolClient();
        var (status, body, _) = await afterRestart.InvokeAsync(fixture.WebA.Address!, "square", "square-in", "value", 12);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["cached"]!.GetValue<bool>());
        Assert.Equal($"144@{fixture.Worker.Pid}", ProtocolClient.Value(body, "square-out", "children")!.GetValue<string>());
    }

    [Fact]
    public async Task A_long_poll_on_one_web_process_is_woken_by_progress_on_the_worker()
    {
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(fixture.WebA.Address!, "progress", "progress-in", "value", 6);

        // Follow the job on the other web process with long polls that wait far longer than the reports are apart:
        // only a wake-up from Redis answers them early.
        var latencies = new List<double>();
        long after = 0;
        long seenProgressVersion = 0;
        var deadline = DateTime.UtcNow + JobTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body, _) = await browser.PollAsync(fixture.WebB.Address!, handle, after, 20_000);
            var received = DateTime.UtcNow.Ticks;
            Assert.Equal(HttpStatusCode.OK, status);
            var progressVersion = body["progressVersion"]?.GetValue<long>() ?? 0;
            if (progressVersion > seenProgressVersion && ProtocolClient.Value(body, "progress-bar", "value", "progress") is { } progress)
            {
                seenProgressVersion = progressVersion;
                var reported = long.Parse(progress.GetValue<string>().Split('|')[1]);
                latencies.Add(TimeSpan.FromTicks(received - reported).TotalMilliseconds);
            }

            if (body["status"]!.GetValue<string>() is "succeeded" or "failed" or "canceled")
            {
                Assert.Equal("succeeded", body["status"]!.GetValue<string>());
                break;
            }

            after = body["version"]!.GetValue<long>();
        }

        output.WriteLine("Progress latencies (ms): " + string.Join(", ", latencies.Select(l => l.ToString("F1"))));
        Assert.True(latencies.Count >= 4, $"Only {latencies.Count} progress reports were seen.");
        // About 10 ms on a quiet machine (docs/benchmarks.md). Asserted is only that each poll was answered by the
        // wake-up, not by its own 20 s wait running out.
        Assert.All(latencies, l => Assert.True(l < 10_000, $"A long poll answered {l:F0} ms after the report: its wait ran out."));
    }

    [Fact]
    public async Task Cancel_on_one_web_process_fires_the_handlers_token_on_the_worker_and_every_web_process_sees_it_cancelled()
    {
        using var browser = new ProtocolClient();
        var latencies = new List<double>();
        for (var round = 0; round < 4; round++)
        {
            var handle = await browser.StartAsync(fixture.WebA.Address!, "wait", "wait-in", "value", round);
            await browser.WaitUntilAsync(fixture.WebB.Address!, handle, b => ProtocolClient.SideUpdates(b, "probe").Length > 0, JobTimeout);

            var sent = DateTime.UtcNow.Ticks;
            var (status, _) = await browser.CancelAsync(fixture.WebA.Address!, handle);
            Assert.Equal(HttpStatusCode.Accepted, status);

            var done = await browser.WaitForEndAsync(fixture.WebB.Address!, handle, JobTimeout);
            Assert.Equal("canceled", done["status"]!.GetValue<string>());
            Assert.Equal("requested", done["cancelReason"]!.GetValue<string>());
            var jobId = handle.Split('.')[1];
            var line = await fixture.Worker.WaitForLineAsync(l => l.StartsWith("FIRED|" + jobId + "|", StringComparison.Ordinal), JobTimeout);
            latencies.Add(TimeSpan.FromTicks(long.Parse(line.Split('|')[2]) - sent).TotalMilliseconds);
        }

        // The figure is for the reader (docs/benchmarks.md keeps it); the test asserts that the token fired at all.
        output.WriteLine("DELETE on web A to token fired on the worker (ms): " + string.Join(", ", latencies.Select(l => l.ToString("F1"))));
    }
}
