using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The cross-process Redis rows of issue 13 (--role=latency, benchmarks/latency/run.sh). The driver starts a
/// redis-server, one web process (the library without workers, and bare baseline endpoints) and one worker process
/// (the library's workers, and the baselines' helper), and measures, library and baseline in alternating rounds:
/// g. a progress report on the worker → a long poll answered on the web process, against one PUBLISH waking a bare
///    long poll that a subscription held in the web process answers;
/// h. a DELETE → the handler's token fired on the worker, against a POST to a bare endpoint whose one PUBLISH a
///    subscriber in the worker records.
/// Row i (IdleCommandsBenchmark) then counts an idle worker process's Redis commands against raw Hangfire's.
/// Every timestamp is <see cref="LatencyChannels.Now"/>, one clock for every process of the machine.
/// </summary>
internal static class LatencyBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    internal static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(IConfiguration configuration, string[] args)
    {
        switch (configuration["part"])
        {
            case "web":
                return await LatencyHosts.RunWebAsync(args);
            case "worker":
                return await LatencyHosts.RunWorkerAsync(args);
            case "hangfire":
                return await LatencyHosts.RunRawHangfireAsync(args);
            case null or "":
                break;
            case var other:
                await Console.Error.WriteLineAsync($"Unknown part '{other}': the driver takes none; web, worker and hangfire are its processes.");
                return 2;
        }

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var rounds = configuration.GetValue("rounds", 3);
        var samples = configuration.GetValue("samples", 20);
        var periodMs = configuration.GetValue("period-ms", 100);
        var rows = (configuration["rows"] ?? "g,h,i").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var settle = TimeSpan.FromSeconds(configuration.GetValue("idle-settle-seconds", 10));
        var window = TimeSpan.FromSeconds(configuration.GetValue("idle-seconds", 30));
        if (rounds < 1 || samples < 1 || periodMs < 10 || rows.Except(["g", "h", "i"]).Any())
        {
            await Console.Error.WriteLineAsync("--rounds and --samples must be at least 1, --period-ms at least 10, --rows a list of g, h and i.");
            return 2;
        }

        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Interrupt(c, interrupted));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Interrupt(c, interrupted));
        var problems = new List<string>();
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"{rounds} rounds of {samples} samples per side, sides alternated round by round, after one warm-up round each");
        try
        {
            if (rows.Contains("g") || rows.Contains("h"))
            {
                await LatencyRowsAsync(rows, rounds, samples, periodMs, problems, interrupted.Token);
            }

            if (rows.Contains("i"))
            {
                await IdleCommandsBenchmark.RunAsync(rounds, settle, window, problems, interrupted.Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or RedisException
            || (e is OperationCanceledException && interrupted.IsCancellationRequested))
        {
            Console.WriteLine("RESULT: FAIL " + e.Message);
            return 1;
        }

        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var line in problems)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(problems.Count == 0 ? "RESULT: PASS" : $"RESULT: FAIL ({problems.Count} warnings or errors logged)");
        return problems.Count == 0 ? 0 : 1;
    }

    private static async Task LatencyRowsAsync(HashSet<string> rows, int rounds, int samples, int periodMs, List<string> problems, CancellationToken cancellationToken)
    {
        var processes = new List<ChildProcess>();
        var redisDirectory = Directory.CreateTempSubdirectory("bgcb-latency-redis-");
        try
        {
            var (redisPort, address) = await StartAsync(processes, redisDirectory.FullName, periodMs, cancellationToken);
            using var http = NewClient(address);
            using (var session = await http.GetAsync("/_callbacks/dependencies", cancellationToken))
            {
                session.EnsureSuccessStatusCode();
            }

            await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
            var subscriber = redis.GetSubscriber();
            var events = new LatencyEvents();
            await subscriber.SubscribeAsync(RedisChannel.Literal(LatencyChannels.Events), (_, message) => events.Add(message!));
            await WaitForHelperAsync(subscriber, cancellationToken);
            var driver = new LatencySides(http, subscriber, events, samples, periodMs);

            if (rows.Contains("g"))
            {
                var row = new LatencyRow($"row g: progress report on the worker → long poll answered on the web process; baseline: one PUBLISH from the worker process wakes a bare long poll held by a subscription in the web process; {samples} reports {periodMs} ms apart per side and round");
                await RunRoundsAsync(row, rounds, driver.LibraryProgressAsync, driver.BareProgressAsync, cancellationToken);
                row.Print(Console.Out, withP99: true);
            }

            if (rows.Contains("h"))
            {
                var row = new LatencyRow($"row h: DELETE on the web process → the handler's token fired on the worker; baseline: POST to a bare endpoint in the web process → one PUBLISH → recorded by a subscriber in the worker process; {samples} per side and round");
                await RunRoundsAsync(row, rounds, driver.LibraryCancelAsync, driver.BareCancelAsync, cancellationToken);
                row.Print(Console.Out, withP99: false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"request sent → its answer read, p50 (all samples): library DELETE {LatencyRow.Percentile(driver.LibraryAnswered, 0.5):F2} ms, baseline POST {LatencyRow.Percentile(driver.BareAnswered, 0.5):F2} ms"));
            }

            problems.AddRange(processes.SelectMany(p => p.Problems().Select(l => p.Name + ": " + l)));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or RedisException)
        {
            foreach (var process in processes)
            {
                Console.WriteLine($"--- {process.Name} ---\n" + string.Join('\n', process.Tail(40)));
            }

            throw;
        }
        finally
        {
            await ChildProcess.StopAllAsync(processes, StopGrace, redisDirectory);
        }
    }

    /// <summary>One warm-up round of each side (not kept: JIT and connections), then the rounds, the side that goes first alternating.</summary>
    private static async Task RunRoundsAsync(LatencyRow row, int rounds, Func<CancellationToken, Task<List<double>>> library, Func<CancellationToken, Task<List<double>>> baseline, CancellationToken cancellationToken)
    {
        await library(cancellationToken);
        await baseline(cancellationToken);
        for (var round = 0; round < rounds; round++)
        {
            var libraryFirst = round % 2 == 0;
            List<double> l, b;
            if (libraryFirst)
            {
                l = await library(cancellationToken);
                b = await baseline(cancellationToken);
            }
            else
            {
                b = await baseline(cancellationToken);
                l = await library(cancellationToken);
            }

            row.Add(libraryFirst, l, b);
        }
    }

    /// <summary>The helper subscribes once its process has started: wait until a message on its channel has a receiver.</summary>
    private static async Task WaitForHelperAsync(ISubscriber subscriber, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (await subscriber.PublishAsync(RedisChannel.Literal(LatencyChannels.Control), "ping") == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the worker's baseline helper never subscribed");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<(int RedisPort, Uri Address)> StartAsync(List<ChildProcess> processes, string redisDirectory, int periodMs, CancellationToken cancellationToken)
    {
        var redisPort = FreePort.Next();
        var redis = ChildProcess.Start("redis", LoadDriver.RedisBinary(),
            ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDirectory, "--protected-mode", "no"],
            isReady: l => l.Contains("Ready to accept connections", StringComparison.Ordinal),
            isProblem: _ => false);
        processes.Add(redis);
        await redis.WaitReadyAsync(StartTimeout, cancellationToken);

        var (program, programArguments) = LoadDriver.SelfCommand();
        string[] common =
        [
            .. programArguments,
            "--role=latency",
            $"--{ParentWatch.Setting}={Environment.ProcessId}",
            $"--{LatencyCallbacks.PeriodSetting}={periodMs}",
            $"--BackgroundCallbacks:Redis:ConnectionString=127.0.0.1:{redisPort}",
        ];

        // Stopped in this order: web, worker, Redis.
        var web = ChildProcess.Start("web", program, [.. common, "--part=web", "--BackgroundCallbacks:RunWorkers=false"],
            isReady: l => l.StartsWith("LISTENING ", StringComparison.Ordinal), LoadDriver.IsRoleProblem);
        processes.Insert(0, web);
        var worker = ChildProcess.Start("worker", program, [.. common, "--part=worker"], isReady: l => l == "READY", LoadDriver.IsRoleProblem);
        processes.Insert(1, worker);
        var listening = web.WaitReadyAsync(StartTimeout, cancellationToken);
        await Task.WhenAll(listening, worker.WaitReadyAsync(StartTimeout, cancellationToken));
        var address = new Uri((await listening)["LISTENING ".Length..]);
        Console.Error.WriteLine($"redis-server {redis.Pid}, web {web.Pid} ({address}), worker {worker.Pid}");
        return (redisPort, address);
    }

    private static HttpClient NewClient(Uri address) => new(new SocketsHttpHandler
    {
        UseCookies = true,
        CookieContainer = new CookieContainer(),
        UseProxy = false,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupted)
    {
        // The first signal stops the run in order; a second one ends the driver at once.
        if (!interrupted.IsCancellationRequested)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
