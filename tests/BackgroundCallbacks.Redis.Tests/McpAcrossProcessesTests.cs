using BackgroundCallbacks.Redis.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// MCP tool calls on real processes sharing one redis-server: a user's handle from one web process is read and
/// cancelled through another, and progress reaches the client whichever worker runs the job. The test host's "steps"
/// callback reports "Step i of n" and waits for the test to open that step's gate in Redis, so the test decides how long
/// a job runs and sees every report; it prints which worker started it and when its token fired.
/// </summary>
public sealed class McpAcrossProcessesTests(McpClusterFixture fixture, ITestOutputHelper output) : IClassFixture<McpClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_users_handle_from_web_A_is_read_running_with_its_progress_and_then_its_result_through_web_B()
    {
        var n = NewRun();
        var aliceOnA = await fixture.NewClientAsync(fixture.WebA, "alice");
        var call = await aliceOnA.CallToolAsync("steps", Arguments(n));
        var handle = HandleOf(call);
        var worker = await WorkerThatStartedAsync(n);

        var aliceOnB = await fixture.NewClientAsync(fixture.WebB, "alice");
        var first = await ReadUntilAsync(aliceOnB, handle, r => Progress(r) == "Step 1 of 3");
        await OpenGateAsync(n, 1);
        var second = await ReadUntilAsync(aliceOnB, handle, r => Progress(r) == "Step 2 of 3");
        await OpenGateAsync(n, 2);
        await OpenGateAsync(n, 3);
        var done = await ReadUntilAsync(aliceOnB, handle, Ended);

        Assert.Contains(Status(call), new[] { "queued", "running" });
        Assert.Equal("running", Status(first));
        Assert.Equal(handle, first.StructuredContent!.Value.GetProperty("handle").GetString());
        Assert.Equal("running", Status(second));
        Assert.NotEqual(true, done.IsError);
        Assert.Equal("job", Source(done));
        Assert.Equal($"steps {n}@{worker.Pid}", done.StructuredContent!.Value.GetProperty("steps-out.children").GetString());
    }

    [Fact]
    public async Task Job_cancel_through_web_B_fires_the_handlers_token_on_the_worker_that_ran_it_and_web_A_reads_it_cancelled()
    {
        var n = NewRun();
        var aliceOnA = await fixture.NewClientAsync(fixture.WebA, "alice");
        var handle = HandleOf(await aliceOnA.CallToolAsync("steps", Arguments(n)));
        var worker = await WorkerThatStartedAsync(n);
        var aliceOnB = await fixture.NewClientAsync(fixture.WebB, "alice");

        var cancel = await aliceOnB.CallToolAsync("job_cancel", HandleArgument(handle));
        await worker.WaitForLineAsync(l => l == $"LOG|StepsTokenFired|Information|TestCallbacks|{n}@{worker.Pid}", Timeout);
        var read = await ReadUntilAsync(aliceOnA, handle, Ended);

        Assert.NotEqual(true, cancel.IsError);
        Assert.Equal("canceled", Status(cancel));
        Assert.True(read.IsError);
        Assert.Equal("canceled", Reason(read));
    }

    [Fact]
    public async Task Another_user_through_web_B_gets_not_found_for_read_and_cancel_of_a_users_handle()
    {
        var n = NewRun();
        var aliceOnA = await fixture.NewClientAsync(fixture.WebA, "alice");
        var handle = HandleOf(await aliceOnA.CallToolAsync("steps", Arguments(n)));
        var worker = await WorkerThatStartedAsync(n);
        var bobOnB = await fixture.NewClientAsync(fixture.WebB, "bob");

        var read = await bobOnB.CallToolAsync("job_result", HandleArgument(handle));
        var cancel = await bobOnB.CallToolAsync("job_cancel", HandleArgument(handle));
        await OpenGatesAsync(n, 3);
        var done = await ReadUntilAsync(aliceOnA, handle, Ended);

        Assert.True(read.IsError);
        Assert.Equal("not-found", Reason(read));
        Assert.True(cancel.IsError);
        Assert.Equal("not-found", Reason(cancel));
        // Bob's cancel left alice's job alone: it ran to its end and its token never fired.
        Assert.NotEqual(true, done.IsError);
        Assert.Equal($"steps {n}@{worker.Pid}", done.StructuredContent!.Value.GetProperty("steps-out.children").GetString());
        Assert.DoesNotContain(fixture.Workers.SelectMany(w => w.Lines()), l => l.StartsWith("LOG|StepsTokenFired|", StringComparison.Ordinal) && l.EndsWith($"|{n}@{worker.Pid}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Progress_reaches_the_client_in_order_before_the_result_whichever_worker_runs_the_job()
    {
        var client = await fixture.NewClientAsync(fixture.WebC, "carol");
        var runsByWorker = fixture.Workers.ToDictionary(w => w.Pid, _ => 0);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);

        // Calls in pairs, so both workers' fetchers have work at once; until each worker process has run at least one.
        while (runsByWorker.Values.Any(c => c == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "Not every worker process ran a job: " + string.Join(", ", runsByWorker.Select(r => $"{r.Key}: {r.Value}")));
            var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => CallWithProgressAsync(client, NewRun())));
            foreach (var (n, result, progress) in runs)
            {
                var worker = await WorkerThatStartedAsync(n);
                runsByWorker[worker.Pid]++;

                Assert.NotEqual(true, result.IsError);
                Assert.Equal("job", Source(result));
                Assert.Equal($"steps {n}@{worker.Pid}", result.StructuredContent!.Value.GetProperty("steps-out.children").GetString());
                Assert.Equal(["Step 1 of 3", "Step 2 of 3", "Step 3 of 3"], progress.Select(p => p.Message));
                Assert.All(progress.Zip(progress.Skip(1)), pair => Assert.True(pair.Second.Progress > pair.First.Progress));
            }
        }

        output.WriteLine("Jobs run per worker process: " + string.Join(", ", runsByWorker.Select(r => $"{r.Key}: {r.Value}")));
    }

    [Fact]
    public async Task An_anonymous_sessions_handle_from_web_A_is_not_found_through_web_B()
    {
        var n = NewRun();
        var anonymousOnA = await fixture.NewClientAsync(fixture.WebA);
        var handle = HandleOf(await anonymousOnA.CallToolAsync("steps", Arguments(n)));
        var anonymousOnB = await fixture.NewClientAsync(fixture.WebB);

        var readOnB = await anonymousOnB.CallToolAsync("job_result", HandleArgument(handle));
        var cancelOnB = await anonymousOnB.CallToolAsync("job_cancel", HandleArgument(handle));
        var readOnA = await anonymousOnA.CallToolAsync("job_result", HandleArgument(handle));
        var cancelOnA = await anonymousOnA.CallToolAsync("job_cancel", HandleArgument(handle));

        Assert.True(readOnB.IsError);
        Assert.Equal("not-found", Reason(readOnB));
        Assert.True(cancelOnB.IsError);
        Assert.Equal("not-found", Reason(cancelOnB));
        // The handle itself is alive: its own session on A still reads and cancels it.
        Assert.NotEqual(true, readOnA.IsError);
        Assert.Contains(Status(readOnA), new[] { "queued", "running" });
        Assert.NotEqual(true, cancelOnA.IsError);
    }

    /// <summary>One call with a progress token; each step's gate opens only once its notification has arrived.</summary>
    private async Task<(int N, CallToolResult Result, IReadOnlyList<ProgressNotificationValue> Progress)> CallWithProgressAsync(McpClient client, int n)
    {
        var progress = new ProgressLog();
        var call = client.CallToolAsync("steps", Arguments(n), progress).AsTask();
        for (var step = 1; step <= 3; step++)
        {
            await progress.WaitForCountAsync(step, call, Timeout);
            await OpenGateAsync(n, step);
        }

        var result = await call.WaitAsync(Timeout);
        return (n, result, progress.Values);
    }

    /// <summary>The worker process whose output says it started run <paramref name="n"/>.</summary>
    private async Task<HostProcess> WorkerThatStartedAsync(int n)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var started = fixture.Workers.Where(w => w.Lines().Contains($"LOG|StepsStarted|Information|TestCallbacks|{n}@{w.Pid}")).ToList();
            if (started.Count > 0)
            {
                return Assert.Single(started);
            }

            Assert.True(DateTime.UtcNow < deadline, $"No worker process started run {n}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Reads the handle through job_result until <paramref name="done"/> holds of the answer.</summary>
    private static async Task<CallToolResult> ReadUntilAsync(McpClient client, string handle, Func<CallToolResult, bool> done)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var read = await client.CallToolAsync("job_result", HandleArgument(handle));
            if (done(read))
            {
                return read;
            }

            // An error is an end: waiting on would only hide it until the deadline.
            Assert.False(read.IsError == true, $"job_result answered an error: {Reason(read)}.");

            Assert.True(DateTime.UtcNow < deadline, $"job_result never answered as expected; the last answer: {read.StructuredContent} {Reason(read)}");
            await Task.Delay(20);
        }
    }

    private Task<bool> OpenGateAsync(int n, int step) => fixture.Db.StringSetAsync($"test:gate:steps:{n}:{step}", "open");

    private async Task OpenGatesAsync(int n, int steps)
    {
        for (var step = 1; step <= steps; step++)
        {
            await OpenGateAsync(n, step);
        }
    }

    private static int NewRun() => Random.Shared.Next();

    private static Dictionary<string, object?> Arguments(int n) => new() { ["n"] = n, ["steps"] = 3 };

    private static Dictionary<string, object?> HandleArgument(string handle) => new() { ["handle"] = handle };

    private static string HandleOf(CallToolResult call)
    {
        Assert.NotEqual(true, call.IsError);
        var handle = call.StructuredContent!.Value.GetProperty("handle").GetString();
        Assert.False(string.IsNullOrEmpty(handle));
        return handle!;
    }

    private static bool Ended(CallToolResult read) => read.IsError == true || Status(read) is null;

    private static string? Status(CallToolResult result) =>
        result.StructuredContent is { } s && s.TryGetProperty("status", out var status) ? status.GetString() : null;

    private static string? Progress(CallToolResult result) =>
        result.StructuredContent is { } s && s.TryGetProperty("progress", out var progress) ? progress.GetString() : null;

    private static string? Reason(CallToolResult result) => result.Meta?["backgroundcallbacks"]?["reason"]?.GetValue<string>();

    private static string? Source(CallToolResult result) => result.Meta?["backgroundcallbacks"]?["source"]?.GetValue<string>();
}
