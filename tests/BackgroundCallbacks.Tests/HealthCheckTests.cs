using System.Net;
using BackgroundCallbacks.Hosting;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BackgroundCallbacks.Tests;

/// <summary>The health check on the embedded backend: the stores, and a live worker for each queue the callbacks use.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task An_embedded_app_that_runs_its_workers_is_healthy()
    {
        await using var app = await TestApp.StartAsync(
            Echo,
            services: s => s.AddHealthChecks().AddBackgroundCallbacks(),
            pipeline: a => a.MapHealthChecks("/healthz"));

        // Hangfire announces its server on a thread of its own, just after the host has started.
        var report = await WaitForStatusAsync(app, HealthStatus.Healthy);
        var entry = report.Entries["background-callbacks"];
        Assert.Equal("answering", entry.Data["backend:embedded"]);
        var queue = Assert.IsType<Dictionary<string, object>>(entry.Data["queue:callbacks"]);
        Assert.Equal(true, queue["alive"]);
        Assert.Equal(1, queue["servers"]);

        using var http = new HttpClient { BaseAddress = app.Address };
        var answer = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("Healthy", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_web_only_process_is_degraded_and_names_the_queue_no_worker_serves()
    {
        await using var app = await TestApp.StartAsync(
            Echo,
            o => o.RunWorkers = false,
            services: s => s.AddHealthChecks().AddBackgroundCallbacks());

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = report.Entries["background-callbacks"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("'callbacks'", entry.Description, StringComparison.Ordinal);
        Assert.Equal("answering", entry.Data["backend:embedded"]);
        var queue = Assert.IsType<Dictionary<string, object>>(entry.Data["queue:callbacks"]);
        Assert.Equal(false, queue["alive"]);
        Assert.Equal(0, queue["servers"]);
    }

    [Fact]
    public async Task Each_queue_the_callbacks_use_has_its_own_entry()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                Echo(b);
                b.AddManager("reports", _ => { });
                b.MapBackgroundCallback("report", (string? text) => text).Output("report-out", "children").Input("report-in", "value").Configure(a => a.Manager = "reports");
            },
            services: s => s.AddHealthChecks().AddBackgroundCallbacks(name: "callbacks", tags: ["ready"]));

        var report = await WaitForStatusAsync(app, HealthStatus.Healthy);

        var entry = report.Entries["callbacks"];
        Assert.Equal(["ready"], entry.Tags);
        Assert.Equal(true, Assert.IsType<Dictionary<string, object>>(entry.Data["queue:callbacks"])["alive"]);
        Assert.Equal(true, Assert.IsType<Dictionary<string, object>>(entry.Data["queue:reports"])["alive"]);
    }

    [Fact]
    public async Task A_queue_storage_that_does_not_answer_is_reported_after_the_timeout_and_one_call_serves_the_next_checks()
    {
        var hanging = new HangingQueue();
        await using var app = await TestApp.StartAsync(
            Echo,
            o => o.RunWorkers = false,
            services: s =>
            {
                s.AddSingleton<ICallbackBackendProvider>(sp => new HangingBackendProvider(hanging, sp));
                s.AddHealthChecks().AddBackgroundCallbacks(failureStatus: HealthStatus.Degraded, timeout: TimeSpan.FromMilliseconds(200));
            });
        var health = app.Services.GetRequiredService<HealthCheckService>();

        var first = (await health.CheckHealthAsync()).Entries["background-callbacks"];
        var second = (await health.CheckHealthAsync()).Entries["background-callbacks"];

        Assert.Equal(HealthStatus.Degraded, first.Status);
        Assert.Contains("queue storage does not answer: no answer within 0.2 s", first.Description, StringComparison.Ordinal);
        Assert.Equal("unknown", Assert.IsType<Dictionary<string, object>>(first.Data["queue:callbacks"])["alive"]);
        Assert.Equal(HealthStatus.Degraded, second.Status);
        Assert.Equal(1, hanging.Listings);
        hanging.Release();
    }

    private static void Echo(BackgroundCallbacksBuilder b) =>
        b.MapBackgroundCallback("echo", (string? text) => text).Output("out", "children").Input("in", "value");

    private static async Task<HealthReport> WaitForStatusAsync(TestApp app, HealthStatus status)
    {
        var health = app.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var report = await health.CheckHealthAsync();
            if (report.Status == status)
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Still {report.Status}: {string.Join(" ", report.Entries.Values.Select(e => e.Description))}");
            await Task.Delay(50);
        }
    }

    /// <summary>The embedded backend, except that its queue's listing of servers never answers until released.</summary>
    private sealed class HangingBackendProvider(HangingQueue queue, IServiceProvider services) : ICallbackBackendProvider
    {
        private readonly CallbackBackend _backend = new(
            "embedded",
            services.GetRequiredService<InMemoryResultStore>(),
            services.GetRequiredService<InMemoryJobStore>(),
            queue,
            services.GetRequiredService<InMemoryIdempotencyStore>());

        public CallbackBackend GetBackend(string managerName) => _backend;
    }

    private sealed class HangingQueue : IJobQueue
    {
        private readonly TaskCompletionSource<IReadOnlyList<WorkerServer>> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _listings;

        public int Listings => Volatile.Read(ref _listings);

        public void Release() => _never.TrySetResult([]);

        public Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken) => Task.CompletedTask;

        public IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services) =>
            throw new InvalidOperationException("This process runs no workers.");

        public Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _listings);
            return _never.Task;
        }
    }
}
