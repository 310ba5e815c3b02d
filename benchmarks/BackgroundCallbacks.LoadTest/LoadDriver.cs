using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The driver: starts redis-server (or a three-shard Redis Cluster), one web and two worker processes, warms the cache, runs the clients for the
/// load period and the drain, reports, and stops every process it started by its own id, also on failure or Ctrl-C.
/// </summary>
internal static partial class LoadDriver
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(LoadOptions options)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Interrupt(c, interrupted));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Interrupt(c, interrupted));

        var report = new LoadReport(options);
        var processes = new List<ChildProcess>();
        var redisDirectory = Directory.CreateTempSubdirectory("bgcb-load-redis-");
        try
        {
            await RunCoreAsync(options, report, processes, redisDirectory.FullName, interrupted.Token);
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            report.Fail("interrupted (SIGINT or SIGTERM) before the run finished");
        }
        catch (InvalidOperationException e)
        {
            report.Fail(e.Message);
        }
        catch (Exception e)
        {
            // Not the library's failure but the driver's own: say so, with its stack, and still stop every process.
            report.Fail("the driver failed: " + e);
        }
        finally
        {
            // The web process first, so no new job is admitted; then the workers (they put back what they run); Redis last.
            foreach (var process in processes)
            {
                await process.StopAsync(StopGrace);
            }
        }

        report.Processes = processes;
        report.Print(Console.Out);
        if (options.ReportPath is { } path)
        {
            report.WriteJson(path);
            Console.WriteLine($"(report written to {Path.GetFullPath(path)})");
        }

        foreach (var process in processes)
        {
            process.Dispose();
        }

        try
        {
            redisDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }

        return report.Passed ? 0 : 1;
    }

    private static async Task RunCoreAsync(LoadOptions options, LoadReport report, List<ChildProcess> processes, string redisDirectory, CancellationToken interrupted)
    {
        // The processes, in the order they are stopped: web, workers, Redis.
        var connectionString = options.RedisCluster
            ? await StartRedisClusterAsync(processes, redisDirectory, interrupted)
            : await StartRedisAsync(processes, redisDirectory, interrupted);

        var (program, programArguments) = SelfCommand();
        string[] common =
        [
            .. programArguments,
            $"--{ParentWatch.Setting}={Environment.ProcessId}",
            $"--BackgroundCallbacks:Redis:ConnectionString={connectionString}",
        ];
        var web = ChildProcess.Start("web", program, [.. common, "--role=web", "--BackgroundCallbacks:RunWorkers=false"],
            isReady: l => l.StartsWith("LISTENING ", StringComparison.Ordinal), IsRoleProblem);
        processes.Insert(0, web);
        string[] workerArguments = options.WorkersPerProcess is { } count
            ? [.. common, "--role=worker", $"--BackgroundCallbacks:WorkerCount={count}"]
            : [.. common, "--role=worker"];
        var workers = Enumerable.Range(1, 2)
            .Select(i => ChildProcess.Start($"worker-{i}", program, workerArguments, isReady: l => l == "READY", IsRoleProblem))
            .ToList();
        processes.InsertRange(1, workers);
        var listening = web.WaitReadyAsync(StartTimeout, interrupted);
        await Task.WhenAll([listening, .. workers.Select(w => w.WaitReadyAsync(StartTimeout, interrupted))]);
        var address = new Uri((await listening)["LISTENING ".Length..]);
        foreach (var worker in workers)
        {
            report.WorkerCounts[worker.Name] = worker.Tail(200).Select(l => WorkersStarted().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? "?";
        }

        Console.Error.WriteLine($"web: process {web.Pid}, {address}; workers: {string.Join(", ", workers.Select(w => $"process {w.Pid} ({report.WorkerCounts[w.Name]} workers)"))}");

        // The tiny mix never asks for a cached value.
        if (options.Mix == LoadMix.Standard)
        {
            await WarmAsync(options, address, interrupted);
        }

        var stats = new LoadStats();
        report.Stats = stats;
        var next = 1_000_000;
        var clients = Enumerable.Range(0, options.Clients)
            .Select(_ => new LoadClient(new ProtocolClient(address, stats), stats, options.WarmValues, () => Interlocked.Increment(ref next), options.Mix))
            .ToList();
        try
        {
            var sessions = await Task.WhenAll(clients.Select(c => c.Protocol.StartSessionAsync(interrupted)));
            if (sessions.Count(ok => !ok) is > 0 and var failed)
            {
                throw new InvalidOperationException($"{failed} of {options.Clients} clients could not start a session (GET /_callbacks/dependencies)");
            }

            await LoadAsync(options, report, stats, clients, processes, interrupted);
        }
        finally
        {
            report.HitPostMs = [.. clients.SelectMany(c => c.Protocol.HitPostMs)];
            report.JobPostMs = [.. clients.SelectMany(c => c.Protocol.JobPostMs)];
            foreach (var client in clients)
            {
                client.Protocol.Dispose();
            }
        }
    }

    private static async Task LoadAsync(LoadOptions options, LoadReport report, LoadStats stats, List<LoadClient> clients, List<ChildProcess> processes, CancellationToken interrupted)
    {
        Console.Error.WriteLine($"load: {options.Clients} clients for {options.Seconds} s, {(options.Mix == LoadMix.Tiny ? "tiny jobs only" : "the standard mix")}");
        var cpuAtStart = CpuSeconds(processes);
        var requestsAtStart = stats.Requests;
        var clock = Stopwatch.StartNew();
        using var load = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        using var progressDone = new CancellationTokenSource();
        var running = Task.WhenAll(clients.Select(c => Task.Run(() => c.RunAsync(load.Token, stop.Token), CancellationToken.None)));
        var progress = ProgressAsync(stats, clock, requestsAtStart, progressDone.Token);
        try
        {
            // A client that fails outright ends the load early; its exception is the report's.
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(options.Seconds), interrupted));
            interrupted.ThrowIfCancellationRequested();
            await load.CancelAsync();
            report.LoadSeconds = clock.Elapsed.TotalSeconds;
            report.RequestsInWindow = stats.Requests - requestsAtStart;
            report.AcceptedInWindow = stats.AcceptedTotal;
            Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0} s] load over; following the jobs still followed (up to {options.DrainSeconds} s)");
            stop.CancelAfter(TimeSpan.FromSeconds(options.DrainSeconds));
            await running;
            interrupted.ThrowIfCancellationRequested();
        }
        finally
        {
            // Whatever ended the load, no client may still use its connection pool when the pools are disposed.
            await load.CancelAsync();
            if (!running.IsCompleted)
            {
                await stop.CancelAsync();
            }

            await Task.WhenAny(running);
            await progressDone.CancelAsync();
            await Task.WhenAny(progress);
        }

        report.DrainSeconds = clock.Elapsed.TotalSeconds - report.LoadSeconds;
        var cpuAtEnd = CpuSeconds(processes);
        foreach (var (name, before) in cpuAtStart)
        {
            if (cpuAtEnd.TryGetValue(name, out var after))
            {
                report.AddCpu(name, after - before);
            }
        }

        foreach (var process in processes.Where(p => p.HasExited))
        {
            report.Fail($"{process.Name} (process {process.Pid}) exited during the run with code {process.ExitCode}");
        }

        report.Evaluate();
    }

    private static async Task ProgressAsync(LoadStats stats, Stopwatch clock, long requestsAtStart, CancellationToken done)
    {
        using var timer = new PeriodicTimer(ProgressEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0} s] {stats.Requests - requestsAtStart} requests, {stats.AcceptedTotal} jobs accepted, {stats.EndedTotal} ended, {stats.ServerErrorCount} 5xx");
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    /// <summary>Makes the warmed values of "hit" cache hits, so that the load's invocations of them answer 200.</summary>
    internal static async Task WarmAsync(LoadOptions options, Uri address, CancellationToken interrupted)
    {
        var stats = new LoadStats();
        using var protocol = new ProtocolClient(address, stats);
        if (!await protocol.StartSessionAsync(interrupted))
        {
            throw new InvalidOperationException("warm-up: GET /_callbacks/dependencies did not answer 200");
        }

        var warmer = new LoadClient(protocol, stats, options.WarmValues, () => 0);
        var problems = await Task.WhenAll(Enumerable.Range(0, options.WarmValues).Select(n => warmer.WarmAsync(n, interrupted)));
        if (problems.FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        Console.Error.WriteLine($"warm-up: hit 0..{options.WarmValues - 1} cached ({stats.AcceptedTotal} jobs ran)");
    }

    private static Dictionary<string, double> CpuSeconds(List<ChildProcess> processes)
    {
        using var self = Process.GetCurrentProcess();
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal) { ["driver"] = self.TotalProcessorTime.TotalSeconds };
        foreach (var process in processes)
        {
            if (process.CpuTime() is { } time)
            {
                seconds[process.Name] = time.TotalSeconds;
            }
        }

        return seconds;
    }

    /// <summary>This same program, as it was started: its apphost, or "dotnet" with its assembly.</summary>
    /// <summary>One redis-server; its connection string.</summary>
    private static async Task<string> StartRedisAsync(List<ChildProcess> processes, string directory, CancellationToken interrupted)
    {
        var port = FreePort.Next();
        var redis = StartRedisNode("redis", port, directory, []);
        processes.Add(redis);
        Console.Error.WriteLine($"redis-server: process {redis.Pid}, 127.0.0.1:{port}");
        await redis.WaitReadyAsync(StartTimeout, interrupted);
        return $"127.0.0.1:{port}";
    }

    /// <summary>
    /// A three-shard Redis Cluster (three masters, no replicas), made as scripts/redis-cluster.sh makes one; ready once
    /// every node reports <c>cluster_state:ok</c>. Its connection string names every node.
    /// </summary>
    private static async Task<string> StartRedisClusterAsync(List<ChildProcess> processes, string directory, CancellationToken interrupted)
    {
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
        var nodes = ports.Select((port, i) => StartRedisNode($"redis-{i + 1}", port, directory,
            ["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf")])).ToList();
        processes.AddRange(nodes);
        await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(StartTimeout, interrupted)));
        var endpoints = ports.Select(p => $"127.0.0.1:{p}").ToArray();
        await RedisCliAsync(["--cluster", "create", .. endpoints, "--cluster-replicas", "0", "--cluster-yes"], interrupted);
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in ports)
        {
            while (!(await RedisCliAsync(["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], interrupted)).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"the cluster node on port {port} never reported cluster_state:ok");
                }

                await Task.Delay(50, interrupted);
            }
        }

        Console.Error.WriteLine($"Redis Cluster: {string.Join(", ", nodes.Select((n, i) => $"process {n.Pid} on {endpoints[i]}"))}");
        return string.Join(',', endpoints);
    }

    private static ChildProcess StartRedisNode(string name, int port, string directory, string[] extra) =>
        ChildProcess.Start(name, RedisBinary(),
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--protected-mode", "no", .. extra],
            isReady: l => l.Contains("Ready to accept connections", StringComparison.Ordinal),
            // Redis marks its start-up notices with the warning sign too; its tail is shown when a run fails.
            isProblem: _ => false);

    private static async Task<string> RedisCliAsync(string[] arguments, CancellationToken interrupted)
    {
        var start = new System.Diagnostics.ProcessStartInfo(RedisBinary("redis-cli")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(interrupted);
        var error = process.StandardError.ReadToEndAsync(interrupted);
        await process.WaitForExitAsync(interrupted);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        }

        return await output;
    }

    internal static (string Program, string[] Arguments) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? (path, [typeof(LoadDriver).Assembly.Location]) : (path, []);
    }

    internal static string RedisBinary(string name = "redis-server")
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} was not found on PATH; install it (apt-get install redis-server).");
    }

    internal static bool IsRoleProblem(string line) =>
        line.StartsWith("LOG|Warning|", StringComparison.Ordinal) || line.StartsWith("LOG|Error|", StringComparison.Ordinal) ||
        line.StartsWith("LOG|Critical|", StringComparison.Ordinal) || line.StartsWith("HF|", StringComparison.Ordinal);

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupted)
    {
        // The first signal stops the run in order (and still reports); a second one ends the driver at once.
        if (!interrupted.IsCancellationRequested)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }

    [GeneratedRegex(@"Started (\d+) callback workers")]
    private static partial Regex WorkersStarted();
}
