using System.Net;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Tests.Infrastructure;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class JobQueueTests
{
    [Fact]
    public async Task A_miss_enqueues_a_job_in_our_own_storage_whose_only_argument_is_the_job_reference()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("slow", async (string? text, CancellationToken ct) => { await gate.PassAsync(ct); return text; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("slow", [CallbackClient.Value("in", "value", "secret input")]);
        await gate.WaitReachedAsync();

        var storage = app.HangfireStorage();
        var processing = storage.GetMonitoringApi().ProcessingJobs(0, 10);
        var job = Assert.Single(processing).Value.Job;
        Assert.Equal(CallbackClient.JobId(handle) + ".default", Assert.IsType<string>(job.Args[0]));
        Assert.Null(job.Args[1]); // the PerformContext, which Hangfire fills in
        Assert.Equal(nameof(BackgroundCallbacks.Queueing.JobEntryPoint.RunAsync), job.Method.Name);
        Assert.DoesNotContain("secret input", string.Join(",", job.Args));

        gate.Open();
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task Automatic_retries_are_off_unless_a_callback_opts_in()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("flaky", (int? n) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first call fails") : "ok")
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("flaky", [CallbackClient.Value("in", "value", 1)]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal("failed", done.Status());
        Assert.Equal(1, Volatile.Read(ref calls));
        var storage = app.HangfireStorage();
        Assert.Equal(0, storage.GetMonitoringApi().ScheduledCount());
    }

    [Fact]
    public async Task A_callback_that_opts_in_to_retries_is_run_again_after_a_failure()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("flaky", (int? n) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first call fails") : "ok")
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.Retries = 1));
        using var client = app.NewClient();

        var handle = await client.StartAsync("flaky", [CallbackClient.Value("in", "value", 1)]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal("succeeded", done.Status());
        Assert.Equal("ok", CallbackClient.Output(done, "out", "children").Str());
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Retries_stop_after_the_callbacks_count_and_the_job_fails()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("broken", new Func<int?, string>(n => { Interlocked.Increment(ref calls); throw new InvalidOperationException("always"); }))
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.Retries = 1));
        using var client = app.NewClient();

        var handle = await client.StartAsync("broken", [CallbackClient.Value("in", "value", 1)]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal("failed", done.Status());
        Assert.Equal(2, Volatile.Read(ref calls));
    }
}
