using System.Text.Json;
using System.Text.Json.Nodes;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The outcome of one run: what the clients saw, what the processes used and said, and the verdict. Printed for a
/// person, and written as JSON for a script.
/// </summary>
internal sealed class LoadReport(LoadOptions options)
{
    private const int TailLinesOnFailure = 40;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly List<string> _failures = [];
    private readonly List<(string Name, double Seconds)> _cpu = [];

    public LoadStats? Stats { get; set; }

    public IReadOnlyList<ChildProcess> Processes { get; set; } = [];

    public Dictionary<string, string> WorkerCounts { get; } = new(StringComparer.Ordinal);

    public double LoadSeconds { get; set; }

    public double DrainSeconds { get; set; }

    public long RequestsInWindow { get; set; }

    /// <summary>Jobs accepted before the load stopped; those accepted by invocations still in flight then are not counted.</summary>
    public long AcceptedInWindow { get; set; }

    public double[] HitPostMs { get; set; } = [];

    public double[] JobPostMs { get; set; } = [];

    public bool Passed => _failures.Count == 0;

    public void Fail(string reason) => _failures.Add(reason);

    public void AddCpu(string name, double seconds) => _cpu.Add((name, seconds));

    /// <summary>
    /// The verdict on what the clients saw: no 500 or 503, and every accepted job seen to end. Also failing: requests
    /// that got no answer, and answers that break the protocol's promises (a wrong result, a handle that was not
    /// cancelled), since neither can be a pass.
    /// </summary>
    public void Evaluate()
    {
        if (Stats is not { } stats)
        {
            return;
        }

        foreach (var kind in Enum.GetValues<RequestKind>())
        {
            foreach (var status in new[] { 500, 503 })
            {
                if (stats.StatusCount(kind, status) is > 0 and var count)
                {
                    Fail($"{count} {LoadStats.Verb(kind)} answered {status}");
                }
            }
        }

        var notEnded = stats.NotEndedByReason().Values.Sum();
        if (notEnded > 0)
        {
            Fail($"{notEnded} of {stats.AcceptedTotal} accepted jobs were not seen to reach a terminal state");
        }
        else if (stats.EndedTotal != stats.AcceptedTotal)
        {
            Fail($"{stats.AcceptedTotal} jobs accepted but {stats.EndedTotal} seen to end");
        }

        foreach (var (kind, codes) in stats.StatusesByKind())
        {
            foreach (var (code, count) in codes.Where(c => c.Key.StartsWith("error: ", StringComparison.Ordinal)))
            {
                Fail($"{count} {kind} got no answer ({code["error: ".Length..]})");
            }
        }

        foreach (var (what, count) in stats.UnexpectedByKind())
        {
            Fail($"{count} × {what}");
        }
    }

    public void Print(TextWriter output)
    {
        var stats = Stats;
        output.WriteLine();
        output.WriteLine($"Load test: {options.Clients} clients, {(options.Mix == LoadMix.Tiny ? "tiny jobs only (uncached, 0 ms handler)" : "the standard mix")}, {options.Seconds} s of load, then up to {options.DrainSeconds} s for the jobs still followed to end");
        output.WriteLine($"Processes: {(options.RedisCluster ? "a three-shard Redis Cluster" : "redis-server")}, 1 web (RunWorkers=false), 2 workers ({WorkersText()})");
        if (options.Clients < LoadOptions.RuledClients || options.Seconds < LoadOptions.RuledSeconds)
        {
            output.WriteLine($"Note: below the project's ruling ({LoadOptions.RuledClients} clients for {LoadOptions.RuledSeconds} s): a smoke run, not a result.");
        }

        if (stats is null)
        {
            PrintVerdict(output);
            return;
        }

        output.WriteLine($"Duration: load {LoadSeconds:0.0} s, drain {DrainSeconds:0.0} s");
        output.WriteLine($"Requests: {RequestsInWindow} during the load ({PerSecond():0.0}/s); {stats.Requests} in all, with the drain");
        output.WriteLine("Status codes per request kind:");
        foreach (var (kind, codes) in stats.StatusesByKind())
        {
            output.WriteLine($"  {kind,-7}{string.Join("  ", codes.Select(c => $"{c.Key}: {c.Value}"))}");
        }

        var accepted = stats.AcceptedByAction();
        output.WriteLine($"Accepted jobs (202): {stats.AcceptedTotal}  ({string.Join(", ", accepted.Select(a => $"{a.Key} {a.Value}"))}); {AcceptedInWindow} during the load ({JobsPerSecond():0.0} jobs/s)");
        var terminal = stats.TerminalByStatus();
        output.WriteLine($"Reached a terminal state: {stats.EndedTotal} of {stats.AcceptedTotal}  (succeeded {terminal.GetValueOrDefault("succeeded")}, failed {terminal.GetValueOrDefault("failed")}, canceled {terminal.GetValueOrDefault("canceled")})");
        foreach (var (outcome, count) in stats.Outcomes())
        {
            output.WriteLine($"  {outcome,-40}{count,8}");
        }

        foreach (var (reason, count) in stats.NotEndedByReason())
        {
            output.WriteLine($"  NOT ENDED {reason,-30}{count,8}");
        }

        if (options.Mix == LoadMix.Standard)
        {
            var firsts = accepted.GetValueOrDefault(LoadClient.SupersededAction);
            var superseded = stats.Outcome($"{LoadClient.SupersededAction}: canceled/superseded");
            var early = stats.Outcome($"{LoadClient.SupersededAction}: succeeded");
            output.WriteLine($"Supersedes: {superseded} of {firsts} first handles ended canceled/superseded; {early} had succeeded before the second invocation");
        }

        output.WriteLine($"POST latency: p50 {Percentile(AllPostMs(), 0.50):0.0} ms, p99 {Percentile(AllPostMs(), 0.99):0.0} ms ({AllPostMs().Length} answers); " +
                         $"cache hits p50 {Percentile(HitPostMs, 0.50):0.0} / p99 {Percentile(HitPostMs, 0.99):0.0} ms; " +
                         $"job admissions p50 {Percentile(JobPostMs, 0.50):0.0} / p99 {Percentile(JobPostMs, 0.99):0.0} ms");
        if (_cpu.Count > 0)
        {
            output.WriteLine($"CPU seconds during load and drain ({Environment.ProcessorCount} cores × {LoadSeconds + DrainSeconds:0} s = {Environment.ProcessorCount * (LoadSeconds + DrainSeconds):0} available): " +
                             string.Join(", ", _cpu.Select(c => $"{c.Name} {c.Seconds:0.0}")));
        }

        var serverErrors = stats.ServerErrors();
        output.WriteLine(serverErrors.Count == 0 ? "5xx answers: none" : $"5xx answers: {stats.ServerErrorCount}; the first {serverErrors.Count}:");
        foreach (var error in serverErrors)
        {
            output.WriteLine($"  [{error.AtSecond} s] {error.Request} -> {error.Status}: {error.Body}");
        }

        var unexpected = stats.UnexpectedByKind();
        output.WriteLine(unexpected.Count == 0 ? "Unexpected answers: none" : "Unexpected answers: " + string.Join(", ", unexpected.Select(u => $"{u.Key} × {u.Value}")));
        if (stats.Samples() is { Count: > 0 } samples)
        {
            output.WriteLine("First problems seen by the clients:");
            foreach (var sample in samples)
            {
                output.WriteLine("  " + sample);
            }
        }

        output.WriteLine("Warnings and errors logged by the processes: " + string.Join(", ", Processes.Select(p => $"{p.Name} {p.ProblemCount}")));
        foreach (var process in Processes.Where(p => p.ProblemCount > 0))
        {
            output.WriteLine($"  {process.Name} (first {process.Problems().Count}):");
            foreach (var line in process.Problems())
            {
                output.WriteLine("    " + line);
            }
        }

        PrintVerdict(output);
    }

    public void WriteJson(string path)
    {
        var stats = Stats;
        var report = new JsonObject
        {
            ["clients"] = options.Clients,
            ["mix"] = options.Mix == LoadMix.Tiny ? "tiny" : "standard",
            ["seconds"] = options.Seconds,
            ["drainSecondsAllowed"] = options.DrainSeconds,
            ["workersPerProcess"] = WorkersText(),
            ["redis"] = options.RedisCluster ? "three-shard cluster" : "one server",
            ["loadSeconds"] = Math.Round(LoadSeconds, 2),
            ["drainSeconds"] = Math.Round(DrainSeconds, 2),
            ["result"] = Passed ? "PASS" : "FAIL",
            ["failures"] = new JsonArray([.. _failures.Select(f => JsonValue.Create(f))]),
        };
        if (stats is not null)
        {
            report["requests"] = new JsonObject
            {
                ["duringLoad"] = RequestsInWindow,
                ["perSecond"] = Math.Round(PerSecond(), 1),
                ["total"] = stats.Requests,
            };
            report["statusCodes"] = ToJson(stats.StatusesByKind().ToDictionary(k => k.Key, k => (JsonNode)ToJson(k.Value), StringComparer.Ordinal));
            report["acceptedJobs"] = stats.AcceptedTotal;
            report["acceptedDuringLoad"] = AcceptedInWindow;
            report["jobsPerSecond"] = Math.Round(JobsPerSecond(), 1);
            report["acceptedByAction"] = ToJson(stats.AcceptedByAction());
            report["terminal"] = stats.EndedTotal;
            report["terminalByStatus"] = ToJson(stats.TerminalByStatus());
            report["outcomes"] = ToJson(stats.Outcomes());
            report["notEnded"] = ToJson(stats.NotEndedByReason());
            report["postLatencyMs"] = new JsonObject
            {
                ["all"] = Latency(AllPostMs()),
                ["cacheHits"] = Latency(HitPostMs),
                ["jobAdmissions"] = Latency(JobPostMs),
            };
            report["serverErrors"] = new JsonArray([.. stats.ServerErrors().Select(e => new JsonObject
            {
                ["atSecond"] = e.AtSecond,
                ["request"] = e.Request,
                ["status"] = e.Status,
                ["body"] = e.Body,
            })]);
            report["unexpected"] = ToJson(stats.UnexpectedByKind());
            report["clientProblems"] = new JsonArray([.. stats.Samples().Select(s => JsonValue.Create(s))]);
        }

        report["cpuSeconds"] = ToJson(_cpu.ToDictionary(c => c.Name, c => (JsonNode)Math.Round(c.Seconds, 2), StringComparer.Ordinal));
        report["processes"] = new JsonArray([.. Processes.Select(p => new JsonObject
        {
            ["name"] = p.Name,
            ["pid"] = p.Pid,
            ["exitCode"] = p.ExitCode,
            ["warningsAndErrors"] = p.ProblemCount,
            ["firstWarningsAndErrors"] = new JsonArray([.. p.Problems().Select(l => JsonValue.Create(l))]),
            ["lastLines"] = Passed ? null : new JsonArray([.. p.Tail(TailLinesOnFailure).Select(l => JsonValue.Create(l))]),
        })]);
        File.WriteAllText(path, report.ToJsonString(Indented) + "\n");
    }

    private void PrintVerdict(TextWriter output)
    {
        if (Passed)
        {
            output.WriteLine("RESULT: PASS");
            return;
        }

        // The evidence first, the verdict last, so the last line is always the verdict.
        foreach (var process in Processes)
        {
            output.WriteLine($"--- last lines of {process.Name} (process {process.Pid}{(process.ExitCode is { } code ? $", exited {code}" : "")}) ---");
            foreach (var line in process.Tail(TailLinesOnFailure))
            {
                output.WriteLine("  " + line);
            }
        }

        output.WriteLine("RESULT: FAIL: " + string.Join("; ", _failures));
    }

    private string WorkersText() =>
        options.WorkersPerProcess is { } n
            ? $"WorkerCount={n} each"
            : "library default WorkerCount" + (WorkerCounts.Count == 0 ? "" : ": " + string.Join(", ", WorkerCounts.Select(w => $"{w.Key} {w.Value}")));

    private double PerSecond() => LoadSeconds > 0 ? RequestsInWindow / LoadSeconds : 0;

    private double JobsPerSecond() => LoadSeconds > 0 ? AcceptedInWindow / LoadSeconds : 0;

    private double[] AllPostMs() => [.. HitPostMs, .. JobPostMs];

    private static JsonObject Latency(double[] values) => new()
    {
        ["count"] = values.Length,
        ["p50"] = Math.Round(Percentile(values, 0.50), 2),
        ["p99"] = Math.Round(Percentile(values, 0.99), 2),
        ["max"] = values.Length == 0 ? 0 : Math.Round(values.Max(), 2),
    };

    /// <summary>The nearest-rank percentile; 0 for no values.</summary>
    private static double Percentile(double[] values, double fraction)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static JsonObject ToJson(IEnumerable<KeyValuePair<string, long>> counts) =>
        new(counts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));

    private static JsonObject ToJson(Dictionary<string, JsonNode> nodes) =>
        new(nodes.Select(n => KeyValuePair.Create(n.Key, (JsonNode?)n.Value)));
}
