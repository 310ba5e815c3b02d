using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The health check on a real Redis: the backend's answer, and live workers read from Hangfire's servers in Redis,
/// whichever process runs them. The dashboard on Redis, whose Hangfire storage exists only once Redis was reached.
/// </summary>
public sealed class RedisHealthCheckTests
{
    private const string Check = "background-callbacks";

    [Fact]
    public async Task The_check_is_healthy_unhealthy_while_Redis_is_down_and_healthy_again_when_it_is_back()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        await using var app = await InProcessApp.StartAsync(
            b => b.UseRedis(redis.ConnectionString).MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("out", "children").Input("in", "value"),
            services: s => s.AddHealthChecks().AddBackgroundCallbacks(timeout: TimeSpan.FromSeconds(3)));

        var up = await WaitForStatusAsync(app, HealthStatus.Healthy);
        Assert.Equal("answering", up.Data["backend:redis"]);
        Assert.Equal(true, Queue(up, "callbacks")["alive"]);

        await redis.KillAsync();
        var down = await WaitForStatusAsync(app, HealthStatus.Unhealthy);
        Assert.NotEqual("answering", down.Data["backend:redis"]);
        Assert.Contains("redis backend does not answer", down.Description, StringComparison.Ordinal);

        await redis.RestartAsync();
        var back = await WaitForStatusAsync(app, HealthStatus.Healthy, TimeSpan.FromSeconds(60));
        Assert.Equal("answering", back.Data["backend:redis"]);
        Assert.Equal(true, Queue(back, "callbacks")["alive"]);
    }

    [Fact]
    public async Task A_web_only_process_is_degraded_until_a_worker_process_serves_its_queue()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var web = await InProcessApp.StartAsync(
            Callbacks(redis),
            services: s => s.AddHealthChecks().AddBackgroundCallbacks(),
            callbackOptions: o => o.RunWorkers = false);

        var alone = await WaitForStatusAsync(web, HealthStatus.Degraded);
        Assert.Contains("'callbacks'", alone.Description, StringComparison.Ordinal);
        Assert.Equal(false, Queue(alone, "callbacks")["alive"]);

        var worker = await InProcessApp.StartAsync(Callbacks(redis));
        var served = await WaitForStatusAsync(web, HealthStatus.Healthy);
        Assert.Equal(1, Queue(served, "callbacks")["servers"]);

        // A worker that stops takes its server out of Redis at once.
        await worker.DisposeAsync();
        var left = await WaitForStatusAsync(web, HealthStatus.Degraded);
        Assert.Contains("'callbacks'", left.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_shows_the_worker_servers_in_Redis_and_answers_503_while_Redis_was_never_reached()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        await using var web = await InProcessApp.StartAsync(
            Callbacks(redis),
            services: s => s.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAssertion(_ => true))),
            callbackOptions: o => o.RunWorkers = false,
            pipeline: a =>
            {
                a.UseAuthorization();
                a.MapBackgroundCallbacksDashboard("/_callbacks/hangfire", "ops");
            });
        using var http = new HttpClient { BaseAddress = web.Address };

        var unreachable = await http.GetAsync("/_callbacks/hangfire/servers");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unreachable.StatusCode);
        Assert.Equal("application/problem+json", unreachable.Content.Headers.ContentType?.MediaType);

        await redis.RestartAsync();
        await using var worker = await InProcessApp.StartAsync(Callbacks(redis));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            // The web process's connection comes back on its own; the worker announces its server on its own thread.
            var page = await http.GetAsync("/_callbacks/hangfire/servers");
            if (page.StatusCode == HttpStatusCode.OK && (await page.Content.ReadAsStringAsync()).Contains(":callbacks", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The dashboard never listed the worker's server (last answer {(int)page.StatusCode}).");
            await Task.Delay(100);
        }
    }

    private static Action<BackgroundCallbacksBuilder> Callbacks(RedisServer redis) => b =>
        b.UseRedis(redis.ConnectionString).MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("out", "children").Input("in", "value");

    private static Dictionary<string, object> Queue(HealthReportEntry entry, string queue) =>
        Assert.IsType<Dictionary<string, object>>(entry.Data[$"queue:{queue}"]);

    private static async Task<HealthReportEntry> WaitForStatusAsync(InProcessApp app, HealthStatus status, TimeSpan? within = null)
    {
        var health = app.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var entry = (await health.CheckHealthAsync()).Entries[Check];
            if (entry.Status == status)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Still {entry.Status}: {entry.Description}");
            await Task.Delay(100);
        }
    }
}
