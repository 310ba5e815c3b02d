using System.Globalization;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The change fan-out benchmark (--role=fanout): redis-server, N web processes and two worker processes, with the load
/// test's clients spread over the web processes in its fixed mix, so jobs run steadily. Each process prints how many
/// change messages it handled (<see cref="ChangeCountReport"/>); a counting client of the driver subscribes to every
/// channel of the prefix, which counts every message published: on one global channel, as before targeted
/// notifications, each process received exactly that many.
/// </summary>
internal static class FanOutBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var webCount = configuration.GetValue("web-processes", 8);
        var clientCount = configuration.GetValue("clients", 80);
        var seconds = configuration.GetValue("seconds", 30);
        var processes = new List<ChildProcess>();
        var redisDirectory = Directory.CreateTempSubdirectory("bgcb-fanout-redis-");
        try
        {
            var (redisPort, addresses) = await StartAsync(processes, redisDirectory.FullName, webCount);
            var options = new LoadOptions { Clients = clientCount, Seconds = seconds };
            await LoadDriver.WarmAsync(options, addresses[0], CancellationToken.None);

            await using var counter = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
            long published = 0;
            await counter.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("bgcb:*"), (_, _) => Interlocked.Increment(ref published));

            var stats = new LoadStats();
            var next = 1_000_000;
            var clients = Enumerable.Range(0, clientCount)
                .Select(i => new LoadClient(new ProtocolClient(addresses[i % addresses.Count], stats), stats, options.WarmValues, () => Interlocked.Increment(ref next)))
                .ToList();
            using var load = new CancellationTokenSource();
            using var stop = new CancellationTokenSource();
            await Task.WhenAll(clients.Select(c => c.Protocol.StartSessionAsync(CancellationToken.None)));
            var running = Task.WhenAll(clients.Select(c => Task.Run(() => c.RunAsync(load.Token, stop.Token))));

            // The window starts once the load is steady; its counts are differences of what each process printed.
            await Task.Delay(Settle);
            var startCounts = processes.Where(p => p.Name != "redis").ToDictionary(p => p.Name, LastCount);
            var publishedAtStart = Interlocked.Read(ref published);
            var clock = Stopwatch.StartNew();
            var jobsAtStart = stats.AcceptedTotal;
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var window = clock.Elapsed.TotalSeconds;
            var publishedInWindow = Interlocked.Read(ref published) - publishedAtStart;
            var jobsInWindow = stats.AcceptedTotal - jobsAtStart;

            // Each process prints once a second: wait for a line written after the window ended.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var endCounts = processes.Where(p => p.Name != "redis").ToDictionary(p => p.Name, LastCount);
            await load.CancelAsync();
            stop.CancelAfter(TimeSpan.FromSeconds(30));
            await running;

            Console.WriteLine($"{webCount} web processes, 2 workers, {clientCount} clients, {window:0} s window, {jobsInWindow} jobs accepted ({jobsInWindow / window:0.0}/s)");
            Console.WriteLine($"messages published (every one reached every process on one global channel): {publishedInWindow / window:0.0}/s");
            Console.WriteLine("| process | change messages received per second |");
            Console.WriteLine("|---|---:|");
            foreach (var (name, start) in startCounts)
            {
                var end = endCounts[name];
                var rate = (end.Count - start.Count) / ((end.UnixMs - start.UnixMs) / 1000.0);
                Console.WriteLine($"| {name} | {rate:0.0} |");
            }

            var problems = processes.Sum(p => p.ProblemCount);
            foreach (var line in processes.SelectMany(p => p.Problems().Select(l => p.Name + ": " + l)))
            {
                Console.WriteLine(line);
            }

            Console.WriteLine(problems == 0 ? "RESULT: PASS" : $"RESULT: FAIL ({problems} warnings or errors logged)");
            return problems == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            Console.WriteLine("RESULT: FAIL " + e.Message);
            return 1;
        }
        finally
        {
            await ChildProcess.StopAllAsync(processes, StopGrace, redisDirectory);
        }
    }

    private static (long UnixMs, long Count) LastCount(ChildProcess process)
    {
        var line = process.Tail(200).LastOrDefault(l => l.StartsWith("CHANGES ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{process.Name} printed no CHANGES line");
        var parts = line.Split(' ');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static async Task<(int RedisPort, List<Uri> Addresses)> StartAsync(List<ChildProcess> processes, string redisDirectory, int webCount)
    {
        var redisPort = FreePort.Next();
        var redis = ChildProcess.Start("redis", LoadDriver.RedisBinary(),
            ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDirectory, "--protected-mode", "no"],
            isReady: l => l.Contains("Ready to accept connections", StringComparison.Ordinal),
            isProblem: _ => false);
        processes.Add(redis);
        await redis.WaitReadyAsync(StartTimeout, CancellationToken.None);

        var (program, programArguments) = LoadDriver.SelfCommand();
        string[] common =
        [
            .. programArguments,
            $"--{ParentWatch.Setting}={Environment.ProcessId}",
            $"--{ChangeCountReport.Setting}=true",
            $"--BackgroundCallbacks:Redis:ConnectionString=127.0.0.1:{redisPort}",
        ];

        // Stopped in this order: the web processes, then the workers, then Redis.
        var webs = Enumerable.Range(1, webCount)
            .Select(i => ChildProcess.Start($"web-{i}", program, [.. common, "--role=web", "--BackgroundCallbacks:RunWorkers=false"],
                isReady: l => l.StartsWith("LISTENING ", StringComparison.Ordinal), LoadDriver.IsRoleProblem))
            .ToList();
        var workers = Enumerable.Range(1, 2)
            .Select(i => ChildProcess.Start($"worker-{i}", program, [.. common, "--role=worker"], isReady: l => l == "READY", LoadDriver.IsRoleProblem))
            .ToList();
        processes.InsertRange(0, [.. webs, .. workers]);
        var listening = webs.Select(w => w.WaitReadyAsync(StartTimeout, CancellationToken.None)).ToList();
        await Task.WhenAll([.. listening, .. workers.Select(w => w.WaitReadyAsync(StartTimeout, CancellationToken.None))]);
        var addresses = new List<Uri>();
        foreach (var ready in listening)
        {
            addresses.Add(new Uri((await ready)["LISTENING ".Length..]));
        }

        Console.Error.WriteLine($"redis-server {redis.Pid}; web {string.Join(", ", webs.Select(w => w.Pid))}; workers {string.Join(", ", workers.Select(w => w.Pid))}");
        return (redisPort, addresses);
    }
}
