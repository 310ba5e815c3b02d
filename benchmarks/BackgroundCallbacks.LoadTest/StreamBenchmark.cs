using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The event stream benchmark (--role=stream): redis-server, one web process (no workers) and one worker process.
/// First, progress latency: jobs of the ticker callback report ten times each, and every job is followed at once by an
/// event stream and by long polls; each report's delay from the worker to each client is measured (one machine, one
/// clock). Then memory: N jobs that stay unended, each followed by its own event stream, and the web process's resident
/// memory with the streams open; then every job is cancelled and every stream must end.
/// </summary>
internal static class StreamBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var jobs = configuration.GetValue("jobs", 30);
        var streams = configuration.GetValue("streams", 1000);
        var holdSeconds = configuration.GetValue("hold-seconds", 15);
        var processes = new List<ChildProcess>();
        var redisDirectory = Directory.CreateTempSubdirectory("bgcb-stream-redis-");
        try
        {
            var (address, web) = await StartAsync(processes, redisDirectory.FullName);
            using var http = NewClient(address);
            using (var session = await http.GetAsync("/_callbacks/dependencies"))
            {
                session.EnsureSuccessStatusCode();
            }

            Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
            await LatencyAsync(http, jobs);
            await MemoryAsync(http, web, streams, holdSeconds);
            Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
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
            foreach (var process in processes)
            {
                Console.WriteLine($"--- {process.Name} ---\n" + string.Join('\n', process.Tail(40)));
            }

            return 1;
        }
        finally
        {
            await ChildProcess.StopAllAsync(processes, StopGrace, redisDirectory);
        }
    }

    private static async Task<(Uri Address, ChildProcess Web)> StartAsync(List<ChildProcess> processes, string redisDirectory)
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
            $"--BackgroundCallbacks:Redis:ConnectionString=127.0.0.1:{redisPort}",
        ];
        var web = ChildProcess.Start("web", program, [.. common, "--role=web", "--BackgroundCallbacks:RunWorkers=false", "--BackgroundCallbacks:EventStreamHeartbeat=00:00:05"],
            isReady: l => l.StartsWith("LISTENING ", StringComparison.Ordinal), LoadDriver.IsRoleProblem);
        processes.Insert(0, web);
        var worker = ChildProcess.Start("worker", program, [.. common, "--role=worker"], isReady: l => l == "READY", LoadDriver.IsRoleProblem);
        processes.Insert(1, worker);
        var listening = web.WaitReadyAsync(StartTimeout, CancellationToken.None);
        await Task.WhenAll(listening, worker.WaitReadyAsync(StartTimeout, CancellationToken.None));
        var address = new Uri((await listening)["LISTENING ".Length..]);
        Console.WriteLine($"redis-server {redis.Pid}, web {web.Pid} ({address}), worker {worker.Pid}");
        return (address, web);
    }

    private static async Task LatencyAsync(HttpClient http, int jobs)
    {
        var stream = new List<double>();
        var poll = new List<double>();

        // The first job pays the processes' JIT and connection set-up; its figures are not kept.
        var (warmHandle, warmLocation) = await InvokeAsync(http, LoadCallbacks.Ticker, -1);
        await Task.WhenAll(FollowByStreamAsync(http, warmHandle, []), FollowByPollAsync(http, warmLocation, []));

        for (var i = 0; i < jobs; i++)
        {
            var (handle, location) = await InvokeAsync(http, LoadCallbacks.Ticker, i);
            await Task.WhenAll(FollowByStreamAsync(http, handle, stream), FollowByPollAsync(http, location, poll));
        }

        Console.WriteLine($"progress latency, report on the worker → client ({jobs} jobs × 10 reports, both doors following each job):");
        Console.WriteLine($"  event stream: {Summary(stream)}");
        Console.WriteLine($"  long poll:    {Summary(poll)}");
    }

    private static async Task MemoryAsync(HttpClient http, ChildProcess web, int count, int holdSeconds)
    {
        await SettleAsync();
        var before = Memory(web.Pid);
        Console.WriteLine($"web process before the streams: {before}");

        using var gate = new SemaphoreSlim(50);
        var admitted = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await InvokeAsync(http, LoadCallbacks.Hold, i);
            }
            finally
            {
                gate.Release();
            }
        }));

        var opened = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var ends = 0;
        var following = admitted.Select(async (job, i) =>
        {
            await FollowByStreamAsync(http, job.Handle, null, () => opened[i].TrySetResult());
            Interlocked.Increment(ref ends);
        }).ToArray();
        await Task.WhenAll(opened.Select(o => o.Task)).WaitAsync(TimeSpan.FromMinutes(2));
        Console.WriteLine($"web process with {count} streams open, each past its first event: {Memory(web.Pid)}");

        // Idle streams: each sends pings (every 5 s here) and reads its job again at each.
        await Task.Delay(TimeSpan.FromSeconds(holdSeconds));
        Console.WriteLine($"web process after {holdSeconds} s of idle streams: {Memory(web.Pid)}");

        await Task.WhenAll(admitted.Select(async job =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await http.DeleteAsync(job.Location);
                response.EnsureSuccessStatusCode();
            }
            finally
            {
                gate.Release();
            }
        }));
        await Task.WhenAll(following).WaitAsync(TimeSpan.FromMinutes(2));
        Console.WriteLine($"all {Volatile.Read(ref ends)} streams ended after their jobs were cancelled; web process: {Memory(web.Pid)}");
    }

    /// <summary>Lets the web process's background work after the latency phase finish before the baseline is taken.</summary>
    private static Task SettleAsync() => Task.Delay(TimeSpan.FromSeconds(2));

    private static async Task<(string Handle, string Location)> InvokeAsync(HttpClient http, string callbackId, int value)
    {
        var input = callbackId + "-in";
        var body = string.Create(CultureInfo.InvariantCulture, $$"""{"inputs":[{"id":"{{input}}","property":"value","value":{{value}}}],"triggered":["{{input}}.value"]}""");
        using var response = await http.PostAsync("/_callbacks/callbacks/" + callbackId, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"invoking {callbackId} answered {(int)response.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        return (document.RootElement.GetProperty("handle").GetString()!, document.RootElement.GetProperty("location").GetString()!);
    }

    /// <summary>Follows one job by event stream until `end`, adding each new report's delay to <paramref name="latencies"/>.</summary>
    private static async Task FollowByStreamAsync(HttpClient http, string handle, List<double>? latencies, Action? firstEvent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_callbacks/events?jobs=" + handle);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        var data = new StringBuilder();
        var lastStep = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line, "data: ".Length, line.Length - "data: ".Length);
            }
            else if (line.Length == 0 && name is not null)
            {
                var received = DateTime.UtcNow.Ticks;
                if (name == "end")
                {
                    return;
                }

                if (name == "job")
                {
                    firstEvent?.Invoke();
                    lastStep = Record(data.ToString(), received, lastStep, latencies);
                }

                (name, data) = (null, data.Clear());
            }
        }

        throw new InvalidOperationException($"the stream of {handle} closed without `end`");
    }

    /// <summary>Follows one job by long polls until it ends, adding each new report's delay to <paramref name="latencies"/>.</summary>
    private static async Task FollowByPollAsync(HttpClient http, string location, List<double> latencies)
    {
        long after = 0;
        var lastStep = 0;
        while (true)
        {
            var text = await http.GetStringAsync(location + "?after=" + after + "&wait=20000");
            lastStep = Record(text, DateTime.UtcNow.Ticks, lastStep, latencies);
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.GetProperty("status").GetString() is "succeeded" or "failed" or "canceled")
            {
                return;
            }

            after = document.RootElement.GetProperty("version").GetInt64();
        }
    }

    private static int Record(string json, long receivedTicks, int lastStep, List<double>? latencies)
    {
        using var document = JsonDocument.Parse(json);
        if (latencies is null || document.RootElement.GetProperty("progress") is not { ValueKind: JsonValueKind.Array } progress || progress.GetArrayLength() == 0)
        {
            return lastStep;
        }

        var parts = progress[0].GetProperty("value").GetString()!.Split('|');
        var step = int.Parse(parts[0], CultureInfo.InvariantCulture);
        if (step <= lastStep)
        {
            return lastStep;
        }

        lock (latencies)
        {
            latencies.Add(TimeSpan.FromTicks(receivedTicks - long.Parse(parts[1], CultureInfo.InvariantCulture)).TotalMilliseconds);
        }

        return step;
    }

    private static string Summary(List<double> latencies)
    {
        if (latencies.Count == 0)
        {
            return "no samples";
        }

        var sorted = latencies.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return $"{sorted.Length} reports, p50 {At(0.50):F1} ms, p99 {At(0.99):F1} ms, max {sorted[^1]:F1} ms";
    }

    /// <summary>The resident memory of a process now, its peak and its thread count (streams must not hold one each), from /proc.</summary>
    private static string Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        string Field(string name) => status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        return $"RSS {Megabytes(Field("VmRSS"))} MB (peak {Megabytes(Field("VmHWM"))} MB), {Field("Threads")} threads";
    }

    private static string Megabytes(string kilobytes) =>
        (long.Parse(kilobytes.Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

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
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
