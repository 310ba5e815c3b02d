using System.Diagnostics;
using BackgroundCallbacks;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>
/// The callbacks of the multi-process tests. Each reports what the test needs to see across processes: the id of the
/// process that ran it, and wall-clock times (the processes share one machine and so one clock).
/// </summary>
internal static class TestCallbacks
{
    /// <summary>The callback the MCP tests call as a tool (see RegisterSteps).</summary>
    public const string StepsCallback = "steps";

    public static BackgroundCallbacksBuilder Register(IServiceCollection services, IConfiguration configuration)
    {
        var callbacks = services
            .AddBackgroundCallbacks(configuration.GetSection("BackgroundCallbacks"))
            .UseRedis(configuration.GetSection("BackgroundCallbacks:Redis"));
        services.Configure<BackgroundCallbacksOptions>(o => o.ScanEntryAssembly = false);
        var pid = Environment.ProcessId;
        if (configuration["TestHost:Queues"] is { } queues)
        {
            var selected = queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            services.Replace(ServiceDescriptor.Singleton(sp => new CallbackManagers(
                sp.GetRequiredService<IOptions<BackgroundCallbacksOptions>>(),
                new QueueSelectingBackends(sp.GetRequiredService<ICallbackBackendProvider>(), selected))));
        }
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

        // One at a time across every worker process: records the order runs start in and the most that ever ran at
        // once (in Redis, where every process and the test see it), and waits for the test's gate.
        callbacks.MapBackgroundCallback("limited", async (int? n, CancellationToken cancellationToken) =>
            {
                var db = counter.Value;
                await db.ListRightPushAsync("test:limited:started", n);
                await db.ListRightPushAsync("test:limited:pids", pid);
                await db.ScriptEvaluateAsync(
                    "local now = redis.call('INCR', KEYS[1]) if now > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], now) end",
                    ["test:limited:now", "test:limited:max"]);
                try
                {
                    while (!await db.KeyExistsAsync($"test:gate:limited:{n}"))
                    {
                        await Task.Delay(20, cancellationToken);
                    }
                }
                finally
                {
                    await db.StringDecrementAsync("test:limited:now");
                }

                return $"limited {n}@{pid}";
            })
            .Output("limited-out", "children")
            .Input("limited-in", "value")
            .Configure(a => a.MaxRunning = 1);

        // Only where asked: the two managers add two queues to every worker's polling, which the other tests need not pay for.
        if (configuration.GetValue("TestHost:ServerSide", false))
        {
            RegisterServerSide(callbacks, pid);
        }

        RegisterTimeLimits(callbacks, pid);
        RegisterSteps(callbacks, counter, pid);
        return callbacks;
    }

    /// <summary>
    /// For the MCP tests: reports "Step i of steps", then waits for the test to open that step's gate in Redis
    /// (<c>test:gate:steps:{n}:{i}</c>), so every report is seen before the next is made and a job runs exactly as long
    /// as the test wants. Prints which worker process started it and, when its token fires, that it saw it (within one 20 ms wait), as LOG lines.
    /// </summary>
    private static void RegisterSteps(BackgroundCallbacksBuilder callbacks, Lazy<IDatabase> gates, int pid)
    {
        callbacks.MapBackgroundCallback(StepsCallback, async (int? n, int? steps, IProgress<string> progress, CancellationToken cancellationToken) =>
            {
                StdoutLogger.WriteLine($"LOG|StepsStarted|Information|TestCallbacks|{n}@{pid}");
                var count = steps ?? 3;
                try
                {
                    for (var i = 1; i <= count; i++)
                    {
                        progress.Report($"Step {i} of {count}");
                        while (!await gates.Value.KeyExistsAsync($"test:gate:steps:{n}:{i}"))
                        {
                            await Task.Delay(20, cancellationToken);
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Printed where the handler sees its token fired, not from a callback registered on the token: once
                    // in a full run such a callback's line never came, though the job ended cancelled (see the report).
                    StdoutLogger.WriteLine($"LOG|StepsTokenFired|Information|TestCallbacks|{n}@{pid}");
                    throw;
                }

                return $"steps {n}@{pid}";
            })
            .Output("steps-out", "children")
            .Input("n", "value")
            .State("steps", "value")
            .Progress("steps-bar", "value");
    }

    /// <summary>Time limits across processes: a callback whose run is cut off by its <c>TimeoutSeconds</c>.</summary>
    private static void RegisterTimeLimits(BackgroundCallbacksBuilder callbacks, int pid)
    {
        // Runs until its token fires, which its 2 s limit makes happen; prints when it fired, as "wait" does.
        callbacks.MapBackgroundCallback("time-limited", async (int? n, CallbackContext context, CancellationToken cancellationToken) =>
            {
                using var registration = cancellationToken.Register(() => StdoutLogger.WriteLine($"FIRED|{context.JobId}|{DateTime.UtcNow.Ticks}"));
                context.SetProps("probe", new { pid, started = DateTime.UtcNow.Ticks });
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return "never";
            })
            .Output("time-limited-out", "children")
            .Input("time-limited-in", "value")
            .Configure(a => a.TimeoutSeconds = 2);
    }

    /// <summary>
    /// Server-side values across processes: each producer runs on manager "a" (queue "a") and each consumer on manager
    /// "b" (queue "b"), so with workers that serve one queue each (<c>--TestHost:Queues</c>) a value is written by one
    /// worker process and read by another. Every process of such a test (--TestHost:ServerSide=true) declares both
    /// managers; which worker runs what is only a matter of the queues it serves.
    /// </summary>
    private static void RegisterServerSide(BackgroundCallbacksBuilder callbacks, int pid)
    {
        callbacks.AddManager("a", o => o.Queue = "a");
        callbacks.AddManager("b", o => o.Queue = "b");

        // Expires two seconds after its last use, so a test can see a reference outlive its value.
        callbacks.AddRedisValueStore("short", o =>
        {
            o.KeyPrefix = "bc:vs:";
            o.Expiry = TimeSpan.FromSeconds(2);
        });

        // The rows 1..n, kept on the server; the consumer's sum proves it read them.
        callbacks.MapBackgroundCallback("rows-make", (int? n) => Enumerable.Range(1, n ?? 0).ToArray())
            .ServerSideOutput("rows", "data")
            .Input("rows-in", "value")
            .Configure(a => a.Manager = "a");
        callbacks.MapBackgroundCallback("rows-sum", (int[]? rows) => rows is null ? "no rows" : $"{rows.Length} rows, sum {rows.Sum(r => (long)r)}@{pid}")
            .Output("rows-sum-out", "children")
            .Input("rows", "data")
            .Configure(a => a.Manager = "b");

        // An uploaded file, read on worker B from the Redis store web A streamed it into: "name|length|sha256@pid".
        callbacks.MapBackgroundCallback("file-digest", async (Microsoft.AspNetCore.Http.IFormFile? file, CancellationToken token) =>
            {
                if (file is null)
                {
                    return "no file";
                }

                var stream = file.OpenReadStream();
                await using (stream)
                {
                    var hash = await System.Security.Cryptography.SHA256.HashDataAsync(stream, token);
                    return $"{file.FileName}|{file.Length}|{Convert.ToHexStringLower(hash)}@{pid}";
                }
            })
            .Output("file-digest-out", "children")
            .Input("upload", "files")
            .Configure(a => a.Manager = "b");

        // The same in the short-lived store.
        callbacks.MapBackgroundCallback("short-make", (int? n) => Enumerable.Range(1, n ?? 0).ToArray())
            .ServerSideOutput("short-rows", "data", "short")
            .Input("short-in", "value")
            .Configure(a => a.Manager = "a");
        callbacks.MapBackgroundCallback("short-sum", (int[]? rows) => rows is null ? "no rows" : $"{rows.Length} rows, sum {rows.Sum(r => (long)r)}@{pid}")
            .Output("short-sum-out", "children")
            .Input("short-rows", "data")
            .Configure(a => a.Manager = "b");

        // n MiB of random bytes, seeded with n so the test can compute the digest itself. Random bytes, so compression
        // cannot make the stored value smaller than the data: JSON gives them as base64 (4/3 larger), and zlib takes
        // that back to about the bytes' own size. Blocks of 1 MiB keep each JSON token small, so neither side of the
        // store needs the whole text in one buffer.
        callbacks.MapBackgroundCallback("blob-make", (int? mebibytes) =>
            {
                var random = new Random(mebibytes ?? 0);
                var blocks = new byte[mebibytes ?? 0][];
                for (var i = 0; i < blocks.Length; i++)
                {
                    blocks[i] = new byte[1024 * 1024];
                    random.NextBytes(blocks[i]);
                }

                return blocks;
            })
            .ServerSideOutput("blob", "data")
            .Input("blob-in", "value")
            .Configure(a => a.Manager = "a");

        // "blocks|bytes|sum of the bytes|pid": small, and only right if every byte was read.
        callbacks.MapBackgroundCallback("blob-digest", (byte[][]? blocks) =>
            {
                long bytes = 0;
                long sum = 0;
                foreach (var block in blocks ?? [])
                {
                    bytes += block.Length;
                    foreach (var b in block)
                    {
                        sum += b;
                    }
                }

                return $"{blocks?.Length ?? 0}|{bytes}|{sum}|{pid}";
            })
            .Output("blob-digest-out", "children")
            .Input("blob", "data")
            .Configure(a => a.Manager = "b");
    }
}