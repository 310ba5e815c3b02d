using System.Net;
using System.Security.Claims;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

/// <summary>Hangfire's dashboard over our job storage: opt-in, behind the app's authorization policy.</summary>
public sealed class DashboardTests
{
    private const string Dashboard = "/_callbacks/hangfire";

    [Fact]
    public async Task An_anonymous_caller_gets_401()
    {
        await using var app = await StartWithDashboardAsync();
        using var anonymous = app.NewClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync(Dashboard)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync(Dashboard + "/jobs/succeeded")).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_caller_without_the_policy_gets_403()
    {
        await using var app = await StartWithDashboardAsync();
        using var bob = app.NewClient();
        bob.Http.DefaultRequestHeaders.Add("X-User", "bob");

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync(Dashboard)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync(Dashboard + "/jobs/succeeded")).StatusCode);
    }

    [Fact]
    public async Task A_caller_with_the_policy_sees_our_succeeded_job_and_our_workers_queue()
    {
        await using var app = await StartWithDashboardAsync();
        using var ops = app.NewClient();
        ops.Http.DefaultRequestHeaders.Add("X-User", "ops");
        var handle = await ops.StartAsync("echo", [CallbackClient.Value("in", "value", "x")]);
        Assert.Equal("succeeded", (await ops.WaitForEndAsync(handle)).Status());
        var succeeded = await HangfireSucceededJobAsync(app);

        var home = await ops.Http.GetAsync(Dashboard);
        var jobs = await ops.Http.GetAsync(Dashboard + "/jobs/succeeded");
        var servers = await ops.Http.GetAsync(Dashboard + "/servers");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        Assert.Contains(succeeded, await jobs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, servers.StatusCode);
        Assert.Contains($"{Environment.ProcessId}:callbacks", await servers.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_refuses_to_requeue_our_jobs()
    {
        await using var app = await StartWithDashboardAsync();
        using var ops = app.NewClient();
        ops.Http.DefaultRequestHeaders.Add("X-User", "ops");
        var handle = await ops.StartAsync("echo", [CallbackClient.Value("in", "value", "x")]);
        Assert.Equal("succeeded", (await ops.WaitForEndAsync(handle)).Status());
        var id = await HangfireSucceededJobAsync(app);

        var requeue = await ops.Http.PostAsync(Dashboard + "/jobs/succeeded/requeue", new FormUrlEncodedContent([new("jobs[]", id)]));

        Assert.False(requeue.IsSuccessStatusCode, $"A read-only dashboard answered {(int)requeue.StatusCode} to a requeue.");
        Assert.Equal("Succeeded", app.HangfireStorage().GetMonitoringApi().JobDetails(id).History[0].StateName);
    }

    [Fact]
    public async Task The_dashboard_is_not_there_unless_the_app_maps_it()
    {
        await using var app = await TestApp.StartAsync(Echo);
        using var client = app.NewClient();
        client.Http.DefaultRequestHeaders.Add("X-User", "ops");

        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync(Dashboard)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync("/hangfire")).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Mapping_the_dashboard_without_a_policy_fails_at_startup(string policy)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TestApp.StartAsync(Echo, pipeline: a => a.MapBackgroundCallbacksDashboard(Dashboard, policy)));
    }

    /// <summary>
    /// The Hangfire job of the one run. Our job ends before Hangfire moves its own job to Succeeded (that happens
    /// when the perform returns), so wait for Hangfire's side with a deadline.
    /// </summary>
    private static async Task<string> HangfireSucceededJobAsync(TestApp app)
    {
        var monitoring = app.HangfireStorage().GetMonitoringApi();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var succeeded = monitoring.SucceededJobs(0, 10);
            if (succeeded.Count > 0 || DateTime.UtcNow > deadline)
            {
                return Assert.Single(succeeded).Key;
            }

            await Task.Delay(20);
        }
    }

    private static void Echo(BackgroundCallbacksBuilder b) =>
        b.MapBackgroundCallback("echo", (string? text) => text).Output("out", "children").Input("in", "value");

    private static Task<TestApp> StartWithDashboardAsync() => TestApp.StartAsync(
        Echo,
        services: s =>
        {
            HeaderAuthenticationHandler.AddTo(s);
            s.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireClaim(ClaimTypes.NameIdentifier, "ops")));
        },
        pipeline: a =>
        {
            // As if every caller were on another machine, which Hangfire's default filter (local requests only) would
            // refuse: only the policy decides.
            a.Use((context, next) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
                context.Connection.LocalIpAddress = IPAddress.Parse("198.51.100.1");
                return next(context);
            });
            a.UseAuthentication();
            a.UseAuthorization();
            a.MapBackgroundCallbacksDashboard(Dashboard, "ops");
        });
}
