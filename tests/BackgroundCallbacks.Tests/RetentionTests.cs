using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public class RetentionTests
{
    [Fact]
    public async Task A_finished_job_stays_pollable_for_the_retention_and_then_is_gone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T12:00:00Z"));
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            o => o.JobRetention = TimeSpan.FromMinutes(10),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", 1)]);
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HttpStatusCode.OK, (await client.PollAsync(handle)).Response.StatusCode);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PollAsync(handle)).Response.StatusCode);
    }
}
