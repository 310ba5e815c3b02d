using BackgroundCallbacks.Tests.Infrastructure;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Hangfire's process-wide statics: the library never sets its storage or configuration (its log provider only when
/// the app set none: HangfireLogTests), and an app's own Hangfire (which does) still works beside ours. One collection, run on its own, because the second test sets the statics the first asserts unset.
/// </summary>
[Collection(nameof(HangfireStaticsCollection))]
public sealed class HangfireStaticsTests
{
    [Fact]
    public async Task The_library_never_sets_Hangfires_static_storage()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (string? text) => text).Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", "x")]);
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());

        Assert.Throws<InvalidOperationException>(() => JobStorage.Current);
    }

    [Fact]
    public async Task The_apps_own_Hangfire_jobs_still_run_beside_ours()
    {
        var appJobRan = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        AppJobs.Ran = appJobRan;
        using var appStorage = new InMemoryStorage();
        var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (string? text) => "ours: " + text).Output("out", "children").Input("in", "value"),
            services: s =>
            {
                s.AddHangfire(c => c.UseStorage(appStorage));
                s.AddHangfireServer(o => o.WorkerCount = 1);
            });
        try
        {
            using var client = app.NewClient();

            var appJobs = app.Services.GetRequiredService<IBackgroundJobClient>();
            appJobs.Enqueue(() => AppJobs.Run("theirs"));
            var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", "x")]);

            var done = await client.WaitForEndAsync(handle);
            Assert.Equal("ours: x", CallbackClient.Output(done, "out", "children").Str());
            Assert.Equal("theirs", await appJobRan.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, appStorage.GetMonitoringApi().FailedCount());
        }
        finally
        {
            // AddHangfire set Hangfire's process-wide storage and pointed its log provider at this app's logger
            // factory. A real process has one host; the tests have many, so put both statics back.
            Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
            JobStorage.Current = null!;
            await app.DisposeAsync();
        }
    }
}
