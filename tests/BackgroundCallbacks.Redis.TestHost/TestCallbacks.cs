using System.Diagnostics;
using BackgroundCallbacks;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Hosting;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>
/// The callbacks of the multi-process tests. Each reports what the test needs to see across processes: the id of the
/// process that ran it, and wall-clock times (the processes share one machine and so one clock).
/// </summary>
internal static class TestCallbacks
{
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var callbacks = services
            .AddBackgroundCallbacks(configuration.GetSection("BackgroundCallbacks"))
            .UseRedis(configuration.GetSection("BackgroundCallbacks:Redis"));
        services.Configure<BackgroundCallbacksOptions>(o => o.ScanEntryAssembly = false);
        var pid = Environment.ProcessId;
        if (configuration.GetValue("TestHost:StallEnqueue", false))
        {
            services.AddSingleton<RedisBackendProvider>();
            services.AddSingleton<ICallbackBackendProvider>(sp => new StallingBackendProvider(sp.GetRequiredService<RedisBackendProvider>()));
        }

        // The counting callbacks count their runs in Redis, where every process and the test see the same numbers, and
        // wait for the test to open a gate there. The connection is the test host's own, not the library's.
        var counter = new Lazy<IDatabase>(() => ConnectionMultiplexer.Connect(configuration["BackgroundCallbacks:Redis:ConnectionString"]!).GetDatabase());
        async Task<string> CountAndWaitAsync(string name, int? n, CancellationToken cancellationToken)
        {
            await counter.Value.StringIncrementAsync($"test:runs:{name}:{n}");
            while (!await counter.Value.KeyExistsAsync($"test:gate:{name}:{n}"))
            {
                await Task.Delay(20, cancellationToken);
            }

            return $"{name} {n}";
        }

        // Shared results: identical invocations of any caller join one job.
        callbacks.MapBackgroundCallback("gated-shared", (int? n, CancellationToken cancellationToken) => CountAndWaitAsync("gated-shared", n, cancellationToken))
            .Output("gated-out", "children")
            .Input("gated-in", "value")
            .Configure(a =>
            {
                a.CacheBy = [];
                a.SharedResults = true;
            });

        // Private results: identical invocations of the same owner join one job.
        callbacks.MapBackgroundCallback("gated-private", (int? n, CancellationToken cancellationToken) => CountAndWaitAsync("gated-private", n, cancellationToken))
            .Output("gated-private-out", "children")
            .Input("gated-in", "value")
            .Configure(a => a.CacheBy = []);

        // A small job, for runs of many.
        callbacks.MapBackgroundCallback("tiny", async (int? n, CancellationToken cancellationToken) =>
            {
                await Task.Delay(configuration.GetValue("TestHost:TinyMs", 100), cancellationToken);
                return n;
            })
            .Output("tiny-out", "children")
            .Input("tiny-in", "value");

        // A shared, cached result that names the process that computed it.
        callbacks.MapBackgroundCallback("square", (int? n) => $"{(n ?? 0) * (n ?? 0)}@{pid}")
            .Output("square-out", "children")
            .Input("square-in", "value")
            .Configure(a =>
            {
                a.CacheBy = [];
                a.SharedResults = true;
            });

        // Reports "step|ticks" a few times, a moment apart; the ticks are when the report was made.
        callbacks.MapBackgroundCallback("progress", async (int? steps, IProgress<string> progress, CancellationToken cancellationToken) =>
            {
                for (var i = 1; i <= (steps ?? 3); i++)
                {
                    await Task.Delay(250, cancellationToken);
                    progress.Report($"{i}|{DateTime.UtcNow.Ticks}");
                }

                return "done";
            })
            .Output("progress-out", "children")
            .Input("progress-in", "value")
            .Progress("progress-bar", "value");

        // Runs until cancelled; tells when it started, and prints when its token fired (a cancelled job takes no updates).
        callbacks.MapBackgroundCallback("wait", async (int? n, CallbackContext context, CancellationToken cancellationToken) =>
            {
                using var registration = cancellationToken.Register(() => StdoutLogger.WriteLine($"FIRED|{context.JobId}|{DateTime.UtcNow.Ticks}"));
                context.SetProps("probe", new { pid, started = DateTime.UtcNow.Ticks });
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return "never";
            })
            .Output("wait-out", "children")
            .Input("wait-in", "value");

        // Tells which process runs it, works a little while, and returns that process's id.
        var workMs = configuration.GetValue("TestHost:WorkMs", 1500);
        callbacks.MapBackgroundCallback("work", async (int? n, CallbackContext context, CancellationToken cancellationToken) =>
            {
                context.SetProps("worker", new { pid });
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < workMs)
                {
                    // Short waits, so a process stopped and resumed finishes right after it resumes.
                    await Task.Delay(50, cancellationToken);
                }

                return pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            })
            .Output("work-out", "children")
            .Input("work-in", "value");
    }
}
