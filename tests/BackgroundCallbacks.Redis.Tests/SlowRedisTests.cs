using System.Diagnostics;
using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A Redis that is up but slow makes requests wait, not fail: the default timeouts are StackExchange.Redis's 5 s. (At
/// 1 s a busy two-core machine, a thousand Hangfire workers starting beside the web process, got 503s from a Redis that
/// was up.) A first connection that cannot be made is logged, since no connection event says so.
/// </summary>
public sealed class SlowRedisTests
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(2500);

    [Fact]
    public async Task A_Redis_that_answers_after_two_seconds_makes_an_invocation_wait_and_be_accepted_not_answered_503()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await InProcessApp.StartAsync(Echo(redis.ConnectionString), callbackOptions: o =>
        {
            o.RunWorkers = false;
            o.SweepInterval = TimeSpan.FromHours(1);
        });
        using var browser = await new ProtocolClient().WithSessionAsync(app.Address);
        var (warm, warmBody, _) = await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 1);
        Assert.True(warm == HttpStatusCode.Accepted, $"Expected 202 before the pause, got {(int)warm}: {warmBody.ToJsonString()}");
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");

        // Every client's commands wait until the pause ends: Redis is up, only slow.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", ((long)Pause.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");
        var clock = Stopwatch.StartNew();
        var (status, body, _) = await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 2);
        var waited = clock.Elapsed;

        Assert.True(status == HttpStatusCode.Accepted, $"Expected 202 from a slow Redis, got {(int)status}: {body.ToJsonString()}");

        // Not a speed check: the paused server cannot have answered sooner, so this shows the request really waited on it.
        Assert.True(waited > TimeSpan.FromSeconds(1.5), $"The invocation was answered after {waited.TotalMilliseconds:F0} ms: the pause did not hold it.");
    }

    [Fact]
    public async Task A_first_connection_that_cannot_be_made_is_logged_naming_the_setting()
    {
        var port = FreePort.Next();
        await using var app = await InProcessApp.StartAsync(Echo($"127.0.0.1:{port}"), callbackOptions: o =>
        {
            o.RunWorkers = false;
            o.SweepInterval = TimeSpan.FromHours(1);
        });
        using var browser = new ProtocolClient();

        var (status, _, _) = await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 1);
        await app.Logs.WaitForEventAsync("RedisNotConnected", TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("through ConnectionString could not be made", app.Logs.MessageOf("RedisNotConnected"), StringComparison.Ordinal);
    }

    private static Action<BackgroundCallbacksBuilder> Echo(string connectionString) => b =>
        b.UseRedis(connectionString)
            .MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("echo-out", "children").Input("echo-in", "value");
}
