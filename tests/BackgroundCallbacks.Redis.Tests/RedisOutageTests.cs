using System.Diagnostics;
using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Redis killed and started again under a running app (web and workers in one process), with an append-only file
/// that is synced on every write, as docs/deployment.md recommends.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    // Asserted is that nothing is held (the long poll waits 20 s, the client gives up after 60 s); how fast each
    // answer came (about the 1 s operation timeout) is printed, never asserted: a busy machine must not fail it.
    private static readonly TimeSpan NotHeld = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task While_Redis_is_down_requests_answer_503_at_once_and_the_app_recovers_by_itself_when_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await InProcessApp.StartAsync(redis.ConnectionString, b =>
        {
            b.MapBackgroundCallback("gate", async (int? n, CallbackContext context) =>
                {
                    context.SetProps("gate", new { waiting = true });
                    await release.Task;
                    return $"released {n}";
                })
                .Output("gate-out", "children")
                .Input("gate-in", "value");
            b.MapBackgroundCallback("echo", (int? n) => $"echo {n}")
                .Output("echo-out", "children")
                .Input("echo-in", "value");
        });
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(app.Address, "gate", "gate-in", "value", 1);
        var running = await browser.WaitUntilAsync(app.Address, handle, b => ProtocolClient.SideUpdates(b, "gate").Length > 0, TimeSpan.FromSeconds(30));
        var longPoll = browser.PollAsync(app.Address, handle, running["version"]!.GetValue<long>(), 20_000);

        await redis.KillAsync();
        var clock = Stopwatch.StartNew();

        // The long poll that was waiting, a poll, an invocation and a cancel: each a 503 problem, none held.
        var (waitedStatus, waitedBody, waited) = await longPoll;
        output.WriteLine($"The waiting long poll answered {(int)waitedStatus} after {clock.Elapsed.TotalMilliseconds:F0} ms.");
        Assert.True(clock.Elapsed < NotHeld, $"The waiting long poll was held until {clock.Elapsed}.");
        AssertUnavailable(waitedStatus, waitedBody, waited);
        await AssertUnavailableFastAsync(async () => await browser.PollAsync(app.Address, handle));
        await AssertUnavailableFastAsync(async () => await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 1));
        await AssertUnavailableFastAsync(async () =>
        {
            var (status, body) = await browser.CancelAsync(app.Address, handle);
            return (status, body, (HttpResponseMessage?)null);
        });

        // The handler finishes while Redis is away: the worker holds on to its outcome until it can write it.
        release.SetResult();
        await app.Logs.WaitForEventAsync("RedisWorkerWriteRetrying", TimeSpan.FromSeconds(10));
        await redis.RestartAsync();
        clock.Restart();

        var done = await WaitForRecoveryAsync(() => browser.WaitForEndAsync(app.Address, handle, TimeSpan.FromSeconds(30)));
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal("released 1", ProtocolClient.Value(done, "gate-out", "children")!.GetValue<string>());

        var next = await browser.StartAsync(app.Address, "echo", "echo-in", "value", 2);
        var echoed = await browser.WaitForEndAsync(app.Address, next, TimeSpan.FromSeconds(30));
        output.WriteLine($"Recovered {clock.Elapsed.TotalSeconds:F1} s after Redis came back.");
        Assert.Equal("echo 2", ProtocolClient.Value(echoed, "echo-out", "children")!.GetValue<string>());
    }

    private static async Task<T> WaitForRecoveryAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                // A 503 while the connection is being restored; the client tries again, as its Retry-After says.
                await Task.Delay(200);
            }
        }
    }

    private async Task AssertUnavailableFastAsync(Func<Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject Body, HttpResponseMessage? Response)>> call)
    {
        var clock = Stopwatch.StartNew();
        var (status, body, response) = await call().WaitAsync(NotHeld);
        output.WriteLine($"A request answered {(int)status} after {clock.Elapsed.TotalMilliseconds:F0} ms.");
        AssertUnavailable(status, body, response);
    }

    private static void AssertUnavailable(HttpStatusCode status, System.Text.Json.Nodes.JsonObject body, HttpResponseMessage? response)
    {
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"Expected 503, got {(int)status}: {body.ToJsonString()}");
        Assert.Equal(503, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["title"]?.GetValue<string>()));
        if (response is not null)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }
}
