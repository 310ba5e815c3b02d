using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Event streams while Redis goes away and comes back (append-only file synced on every write, as recommended).</summary>
public sealed class EventStreamOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_open_stream_ends_without_end_when_Redis_goes_away_a_new_one_gets_503_and_streams_resume_when_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await InProcessApp.StartAsync(
            b =>
            {
                b.UseRedis(o => o.ConnectionString = redis.ConnectionString);
                b.MapBackgroundCallback("gate", async (int? n, CallbackContext context) =>
                    {
                        context.SetProps("gate", new { waiting = true });
                        await release.Task;
                        return $"released {n}";
                    })
                    .Output("gate-out", "children")
                    .Input("gate-in", "value");
            },
            callbackOptions: o => o.EventStreamHeartbeat = TimeSpan.FromSeconds(1));
        using var browser = new ProtocolClient();
        var http = browser.HttpFor(app.Address);
        var handle = await browser.StartAsync(app.Address, "gate", "gate-in", "value", 1);
        await browser.WaitUntilAsync(app.Address, handle, b => ProtocolClient.SideUpdates(b, "gate").Length > 0, TimeSpan.FromSeconds(30));
        var url = $"/_callbacks/events?jobs={handle}";

        var events = new List<ServerSentEvent>();
        using (var stream = await EventStreamReader.OpenAsync(http, url))
        {
            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            await redis.KillAsync();
            while (await stream.NextAsync(TimeSpan.FromSeconds(30)) is { } next)
            {
                events.Add(next);
            }
        }

        // The stream was closed, not ended: a client reconnects after a close, and stops after `end`.
        Assert.DoesNotContain(events, e => e.Event == "end");
        await app.Logs.WaitForEventAsync("EventStreamInterrupted", TimeSpan.FromSeconds(10));
        using (var refused = await EventStreamReader.OpenAsync(http, url))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Response.StatusCode);
            Assert.Equal("application/problem+json", refused.Response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Response.Headers.RetryAfter);
        }

        release.SetResult();
        await redis.RestartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var stream = await EventStreamReader.OpenAsync(http, url);
            if (stream.Response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                // The connection is being restored; the client tries again, as Retry-After says.
                await Task.Delay(200);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            var resumed = new List<ServerSentEvent>();
            while (await stream.NextAsync(TimeSpan.FromSeconds(30)) is { } next && next.Event != "end")
            {
                resumed.Add(next);
            }

            var last = (JsonObject)JsonNode.Parse(resumed.Last(e => e.Event == "job").Data!)!;
            output.WriteLine($"Resumed stream: {resumed.Count} blocks before end.");
            Assert.Equal("succeeded", last["status"]!.GetValue<string>());
            Assert.Equal("released 1", ProtocolClient.Value(last, "gate-out", "children")!.GetValue<string>());
            break;
        }
    }
}
