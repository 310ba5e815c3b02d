using System.Diagnostics;
using System.Globalization;
using Hangfire;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// Issue 13's Redis rows, points 1 and 3: the library on its Redis backend against, on the same redis-server and in the
/// same process, a minimal-API endpoint doing one Redis GET (hits), raw Hangfire on Hangfire.Redis.StackExchange
/// (misses, ruling 22: <c>BackgroundJobClient.Enqueue</c> of a no-op job, completion signalled by a
/// <see cref="TaskCompletionSource"/>, same worker count), and a hand-written Hangfire app that keeps progress in a Redis
/// hash and is polled every 100 ms. Rounds alternate which side goes first; round 0 is a warm-up and is discarded.
/// </summary>
public static class RedisBenchmark
{
    private const string HitPath = "/_callbacks/callbacks/hit";

    /// <summary>A plausible hand-written poll interval (a page's <c>setInterval</c>); the library's client long-polls instead.</summary>
    private static readonly TimeSpan HandPollInterval = TimeSpan.FromMilliseconds(100);

    private static int _argument = 1_000_000;

    private enum Side
    {
        Library,
        Baseline,
    }

    /// <summary>
    /// <c>redis [--rounds=3] [--seconds=5] [--clients=16] [--jobs=100] [--hand-jobs=20] [--count-jobs=200]
    /// [--value-bytes=1024] [--workers=N]</c>
    /// </summary>
    public static async Task RunAsync(string[] args)
    {
        var rounds = Int(args, "rounds", 3);
        var duration = TimeSpan.FromSeconds(double.Parse(Option(args, "seconds", "5"), CultureInfo.InvariantCulture));
        var clients = Int(args, "clients", 16);
        var jobs = Int(args, "jobs", 100);
        var handJobs = Int(args, "hand-jobs", 20);
        var countJobs = Int(args, "count-jobs", 200);
        var valueBytes = Int(args, "value-bytes", 1024);
        int? workers = Option(args, "workers", "") is { Length: > 0 } w ? int.Parse(w, CultureInfo.InvariantCulture) : null;

        await using var redis = await RedisServerProcess.StartAsync();
        await using var host = await RedisBenchmarkHost.StartAsync(redis.ConnectionString, valueBytes, workers);
        var load = Enumerable.Range(0, clients).Select(_ => new RedisBenchmarkClient(host.Address)).ToArray();
        using var single = new RedisBenchmarkClient(host.Address);
        try
        {
            // The first invocation runs the job and caches its result; the floor then serves the very bytes of a hit.
            var hitBody = RedisBenchmarkClient.Invocation("hit", 7);
            await single.InvokeAsync("hit", 7);
            var hit = await single.PostAsync(HitPath, hitBody);
            if (!System.Text.Encoding.UTF8.GetString(hit).Contains("\"cached\":true", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The second POST of 'hit' was not a cache hit.");
            }

            await host.Database.StringSetAsync(RedisBenchmarkHost.FloorKey, hit);

            var counter = new RedisCommandCounter(host.Server, redis.Port);
            var idle = await IdleAsync(counter, host, TimeSpan.FromSeconds(3));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, redis-server on 127.0.0.1:{redis.Port}, {host.WorkerCount} workers each side, " +
                $"{rounds} rounds after one warm-up, sides alternated; hit value {valueBytes} B ({hit.Length} B answer); {clients} clients for {duration.TotalSeconds} s per side"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"idle, both job servers running: {idle.Calls:F1} commands/s, {idle.Client:F1} client commands/s, {idle.RoundTrips:F1} round trips/s (subtracted from row d)"));
            Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");

            var rows = new RedisRows();
            var errors = new Dictionary<(string Row, Side Side), int>();
            var commands = new Dictionary<Side, Dictionary<string, double>> { [Side.Library] = [], [Side.Baseline] = [] };
            for (var round = 0; round <= rounds; round++)
            {
                var keep = round > 0;
                var order = round % 2 == 1 ? new[] { Side.Baseline, Side.Library } : [Side.Library, Side.Baseline];
                Console.WriteLine($"round {round}{(keep ? string.Empty : " (warm-up, discarded)")}, load average {File.ReadAllText("/proc/loadavg").Trim()}");

                // a, e: hits against the floor, N clients for S seconds each.
                var hits = new Dictionary<Side, LoadResult>();
                foreach (var side in order)
                {
                    var path = side == Side.Library ? HitPath : "/floor";
                    hits[side] = await LoadAsync(clients, duration, i => load[i].PostAsync(path, hitBody));
                }

                // b: one miss at a time, POST to the result seen by long poll, against raw Hangfire enqueue to TCS.
                var misses = new Dictionary<Side, List<double>>();
                foreach (var side in order)
                {
                    misses[side] = await SequentialAsync(jobs, side == Side.Library ? () => single.InvokeAsync("tiny", Fresh()) : () => RawJobAsync(host.RawClient));
                }

                // c, e: tiny jobs/s, N concurrent clients (POST + long poll, fresh argument) against N raw callers.
                var tiny = new Dictionary<Side, LoadResult>();
                foreach (var side in order)
                {
                    tiny[side] = await LoadAsync(clients, duration, side == Side.Library ? i => load[i].InvokeAsync("tiny", Fresh()) : _ => RawJobAsync(host.RawClient));
                }

                // d: Redis commands per job, K jobs from N clients.
                var counts = new Dictionary<Side, CommandCount>();
                foreach (var side in order)
                {
                    counts[side] = await CountAsync(counter, host, idle, countJobs, clients,
                        side == Side.Library ? i => load[i].InvokeAsync("tiny", Fresh()) : _ => RawJobAsync(host.RawClient));
                }

                // f: the hand-written app (progress in a Redis hash, polled every 100 ms) against the library's long poll.
                var hand = new Dictionary<(Side, int Steps), List<double>>();
                foreach (var steps in new[] { 0, 3 })
                {
                    foreach (var side in order)
                    {
                        hand[(side, steps)] = await SequentialAsync(handJobs, side == Side.Library
                            ? () => single.InvokeAsync(steps == 0 ? "tiny" : "steps", Fresh())
                            : () => single.HandAsync(steps, Fresh(), HandPollInterval));
                    }
                }

                if (!keep)
                {
                    continue;
                }

                const string floor = "minimal API, one Redis GET";
                const string raw = "raw Hangfire, enqueue → TCS";
                const string handName = "hand-written Hangfire + Redis hash, 100 ms poll";
                rows.Add($"a. cache-hit POST throughput, {clients} clients (req/s)", floor, hits[Side.Library].PerSecond, hits[Side.Baseline].PerSecond);
                rows.Add("a. cache-hit POST p99 (ms)", floor, hits[Side.Library].P99, hits[Side.Baseline].P99);
                rows.Add("b. miss, 0-ms handler, one at a time, p50 (ms)", raw, RedisRows.Percentile(misses[Side.Library], 50), RedisRows.Percentile(misses[Side.Baseline], 50));
                rows.Add("b. miss, 0-ms handler, one at a time, p99 (ms)", raw, RedisRows.Percentile(misses[Side.Library], 99), RedisRows.Percentile(misses[Side.Baseline], 99));
                rows.Add($"c. tiny jobs/s, {clients} concurrent clients", raw, tiny[Side.Library].PerSecond, tiny[Side.Baseline].PerSecond);
                rows.Add("d. Redis commands per job (INFO commandstats calls, net of idle)", raw, counts[Side.Library].Calls, counts[Side.Baseline].Calls);
                rows.Add("d. total_commands_processed per job (INFO stats, net of idle)", raw, counts[Side.Library].Processed, counts[Side.Baseline].Processed);
                rows.Add("d. client commands per job (MONITOR, not from scripts)", raw, counts[Side.Library].Client, counts[Side.Baseline].Client);
                rows.Add("d. client round trips per job (MONITOR, a SELECT + MULTI…EXEC block as one)", raw, counts[Side.Library].RoundTrips, counts[Side.Baseline].RoundTrips);
                rows.Add("d. commands run by scripts per job (MONITOR)", raw, counts[Side.Library].Script, counts[Side.Baseline].Script);
                rows.Add("e. allocated per hit (KB, client + server)", floor, hits[Side.Library].AllocatedPerOperation / 1024, hits[Side.Baseline].AllocatedPerOperation / 1024);
                rows.Add("e. allocated per job (KB, client + server)", raw, tiny[Side.Library].AllocatedPerOperation / 1024, tiny[Side.Baseline].AllocatedPerOperation / 1024);
                foreach (var steps in new[] { 0, 3 })
                {
                    var name = steps == 0 ? "0-ms job" : "job reporting 3 progress steps";
                    rows.Add($"f. {name}, POST → result seen, p50 (ms)", handName, RedisRows.Percentile(hand[(Side.Library, steps)], 50), RedisRows.Percentile(hand[(Side.Baseline, steps)], 50));
                    rows.Add($"f. {name}, POST → result seen, p99 (ms)", handName, RedisRows.Percentile(hand[(Side.Library, steps)], 99), RedisRows.Percentile(hand[(Side.Baseline, steps)], 99));
                }

                foreach (var side in order)
                {
                    Add(errors, ("a", side), hits[side].Errors);
                    Add(errors, ("c", side), tiny[side].Errors);
                    foreach (var (command, calls) in counts[side].ByCommand)
                    {
                        commands[side][command] = commands[side].GetValueOrDefault(command) + (calls / (double)countJobs / rounds);
                    }
                }
            }

            Console.WriteLine();
            rows.Print(Console.Out);
            Console.WriteLine();
            Console.WriteLine($"errors (library / baseline): a {errors.GetValueOrDefault(("a", Side.Library))} / {errors.GetValueOrDefault(("a", Side.Baseline))}, " +
                $"c {errors.GetValueOrDefault(("c", Side.Library))} / {errors.GetValueOrDefault(("c", Side.Baseline))}");
            foreach (var side in new[] { Side.Library, Side.Baseline })
            {
                var top = commands[side].OrderByDescending(c => c.Value).Take(10)
                    .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:F1}"));
                Console.WriteLine($"d. commands per job by name, {side} (not net of idle): {string.Join(", ", top)}");
            }

            Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        finally
        {
            foreach (var client in load)
            {
                client.Dispose();
            }
        }
    }

    private static int Fresh() => Interlocked.Increment(ref _argument);

    private static Task RawJobAsync(BackgroundJobClient client)
    {
        var (id, done) = RawJob.Expect();
        client.Enqueue(() => RawJob.Run(id));
        return done;
    }

    /// <summary><paramref name="clients"/> callers, each repeating <paramref name="operation"/> until <paramref name="duration"/> has passed.</summary>
    private static async Task<LoadResult> LoadAsync(int clients, TimeSpan duration, Func<int, Task> operation)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var errors = 0;
            while (clock.Elapsed < duration)
            {
                var start = clock.Elapsed;
                try
                {
                    await operation(i);
                    latencies.Add((clock.Elapsed - start).TotalMilliseconds);
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    if (errors++ == 0)
                    {
                        Console.WriteLine($"  error: {e.Message}");
                    }
                }
            }

            return (latencies, errors);
        })).ToArray();
        var results = await Task.WhenAll(callers);
        var elapsed = clock.Elapsed;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var all = results.SelectMany(r => r.latencies).ToList();
        return new LoadResult(all.Count / elapsed.TotalSeconds, RedisRows.Percentile(all, 99), all.Count == 0 ? double.NaN : bytes / (double)all.Count, results.Sum(r => r.errors));
    }

    private static async Task<List<double>> SequentialAsync(int count, Func<Task> operation)
    {
        var latencies = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await operation();
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return latencies;
    }

    /// <summary>What Redis processes while nothing runs but the idle job servers and connections' heartbeats.</summary>
    private static async Task<Rates> IdleAsync(RedisCommandCounter counter, RedisBenchmarkHost host, TimeSpan window)
    {
        var before = await counter.ReadAsync();
        await using var watch = await counter.MonitorAsync();
        var clock = Stopwatch.StartNew();

        // Waiting out a window is the measurement here, not a synchronisation.
        await Task.Delay(window);
        var seen = await watch.CountAsync(host.Database);
        var after = await counter.ReadAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        return new Rates((after.TotalCalls - before.TotalCalls) / seconds, (after.Processed - before.Processed) / seconds, seen.Client / seconds, seen.Script / seconds, seen.RoundTrips / seconds);
    }

    /// <summary><paramref name="jobs"/> jobs from <paramref name="clients"/> callers, with Redis's counts before and after, per job and net of idle.</summary>
    private static async Task<CommandCount> CountAsync(RedisCommandCounter counter, RedisBenchmarkHost host, Rates idle, int jobs, int clients, Func<int, Task> operation)
    {
        var before = await counter.ReadAsync();
        await using var watch = await counter.MonitorAsync();
        var clock = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= jobs)
            {
                await operation(i);
            }
        })));
        var seen = await watch.CountAsync(host.Database);
        var after = await counter.ReadAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        return new CommandCount(
            (after.TotalCalls - before.TotalCalls - (idle.Calls * seconds)) / jobs,
            (after.Processed - before.Processed - (idle.Processed * seconds)) / jobs,
            (seen.Client - (idle.Client * seconds)) / jobs,
            (seen.Script - (idle.Script * seconds)) / jobs,
            (seen.RoundTrips - (idle.RoundTrips * seconds)) / jobs,
            after.Since(before));
    }

    private static void Add(Dictionary<(string, Side), int> errors, (string, Side) key, int count) =>
        errors[key] = errors.GetValueOrDefault(key) + count;

    private static int Int(string[] args, string name, int fallback) =>
        int.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string Option(string[] args, string name, string fallback) =>
        args.FirstOrDefault(a => a.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..] ?? fallback;

    private sealed record LoadResult(double PerSecond, double P99, double AllocatedPerOperation, int Errors);

    private sealed record Rates(double Calls, double Processed, double Client, double Script, double RoundTrips);

    private sealed record CommandCount(double Calls, double Processed, double Client, double Script, double RoundTrips, IReadOnlyDictionary<string, long> ByCommand);
}
