using System.Globalization;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// Row i of the latency benchmark: the Redis commands an idle worker process sends per second. Each side gets a fresh
/// redis-server and one process with no jobs (the library's worker role, or raw Hangfire with the same worker count);
/// after it settles, <c>INFO commandstats</c> is read twice a window apart. The sides alternate round by round.
/// </summary>
internal static class IdleCommandsBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(int rounds, TimeSpan settle, TimeSpan window, List<string> problems, CancellationToken cancellationToken)
    {
        var workers = new BackgroundCallbacksOptions().WorkerCount;
        var library = new List<Dictionary<string, double>>();
        var raw = new List<Dictionary<string, double>>();
        for (var round = 0; round < rounds; round++)
        {
            bool[] order = round % 2 == 0 ? [true, false] : [false, true];
            foreach (var isLibrary in order)
            {
                var rates = await MeasureAsync(isLibrary, workers, settle, window, problems, cancellationToken);
                (isLibrary ? library : raw).Add(rates);
                Console.Error.WriteLine(Invariant($"idle round {round + 1}, {(isLibrary ? "library" : "raw Hangfire")}: {rates.Values.Sum():F2} commands/s"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"row i: idle Redis commands per second, one worker process with no jobs, {workers} workers, a fresh redis-server each; {settle.TotalSeconds:0} s to settle, then INFO commandstats {window.TotalSeconds:0} s apart; {rounds} rounds alternated"));
        Console.WriteLine("| command | library, median (spread) | raw Hangfire, median (spread) |");
        Console.WriteLine("|---|---:|---:|");
        var commands = library.Concat(raw).SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal)
            .OrderByDescending(c => Median(library, c) + Median(raw, c)).ThenBy(c => c, StringComparer.Ordinal);
        foreach (var command in commands)
        {
            Console.WriteLine($"| {command} | {Cell(library, command)} | {Cell(raw, command)} |");
        }

        Console.WriteLine($"| **all** | {Cell(library, null)} | {Cell(raw, null)} |");
        return 0;
    }

    private static async Task<Dictionary<string, double>> MeasureAsync(bool isLibrary, int workers, TimeSpan settle, TimeSpan window, List<string> problems, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("bgcb-idle-redis-");
        var port = FreePort.Next();
        var processes = new List<ChildProcess>();
        try
        {
            var redis = ChildProcess.Start("redis", LoadDriver.RedisBinary(),
                ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.FullName, "--protected-mode", "no"],
                isReady: l => l.Contains("Ready to accept connections", StringComparison.Ordinal),
                isProblem: _ => false);
            processes.Add(redis);
            await redis.WaitReadyAsync(StartTimeout, cancellationToken);

            var (program, programArguments) = LoadDriver.SelfCommand();
            string[] common =
            [
                .. programArguments,
                $"--{ParentWatch.Setting}={Environment.ProcessId}",
                $"--BackgroundCallbacks:Redis:ConnectionString=127.0.0.1:{port}",
            ];
            var name = isLibrary ? "library-worker" : "raw-hangfire";
            var worker = ChildProcess.Start(name, program,
                isLibrary ? [.. common, "--role=worker"] : [.. common, "--role=latency", "--part=hangfire", $"--workers={workers}"],
                isReady: l => l == "READY", LoadDriver.IsRoleProblem);
            processes.Insert(0, worker);
            await worker.WaitReadyAsync(StartTimeout, cancellationToken);

            await Task.Delay(settle, cancellationToken);
            var first = await CommandStatsAsync(port, cancellationToken);
            var clock = Stopwatch.StartNew();
            await Task.Delay(window, cancellationToken);
            var second = await CommandStatsAsync(port, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;

            // The first INFO is counted in the second snapshot: it is the driver's, not the process's.
            second["info"] = second.GetValueOrDefault("info") - 1;

            problems.AddRange(worker.Problems().Select(l => name + ": " + l));
            return second
                .Select(c => (Command: c.Key, Calls: c.Value - first.GetValueOrDefault(c.Key)))
                .Where(c => c.Calls > 0)
                .ToDictionary(c => c.Command, c => c.Calls / seconds, StringComparer.Ordinal);
        }
        finally
        {
            await ChildProcess.StopAllAsync(processes, StopGrace, directory);
        }
    }

    /// <summary>Calls per command so far, from <c>INFO commandstats</c> ("cmdstat_get:calls=3,usec=…").</summary>
    private static async Task<Dictionary<string, long>> CommandStatsAsync(int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(LoadDriver.RedisBinary("redis-cli")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "INFO", "commandstats" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli INFO commandstats exited with {process.ExitCode}: {await error}");
        }

        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (await output).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            var field = line[(colon + 1)..].Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
            calls[line["cmdstat_".Length..colon]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return calls;
    }

    private static double Median(List<Dictionary<string, double>> rounds, string? command)
    {
        var values = rounds.Select(r => command is null ? r.Values.Sum() : r.GetValueOrDefault(command)).ToList();
        return LatencyRow.Percentile(values, 0.5);
    }

    private static string Cell(List<Dictionary<string, double>> rounds, string? command)
    {
        var values = rounds.Select(r => command is null ? r.Values.Sum() : r.GetValueOrDefault(command)).ToList();
        return Invariant($"{LatencyRow.Percentile(values, 0.5):F2} ({values.Min():F2}–{values.Max():F2})");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
