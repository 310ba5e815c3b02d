using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class CancelTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task Cancel_fires_the_handlers_token_and_the_worker_goes_on_to_the_next_job()
    {
        var gate = new Gate();
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("slow", async (int? n, CancellationToken ct) =>
                {
                    if (n == 1)
                    {
                        try
                        {
                            await gate.PassAsync(ct);
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                            tokenFired.TrySetResult();
                            throw;
                        }
                    }

                    return $"done {n}";
                })
                .Output("out", "children").Input("in", "value"),
            o => o.WorkerCount = 1);
        using var client = app.NewClient();
        var handle = await client.StartAsync("slow", In(1));
        await gate.WaitReachedAsync();

        var (response, body) = await client.CancelAsync(handle);
        await tokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var ended = await client.WaitForEndAsync(handle);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("requested", body["cancelReason"].Str());
        Assert.Equal("canceled", ended.Status());
        Assert.Null(ended["outputs"]);

        // The only worker survived the cancel and runs the next job.
        var next = await client.WaitForEndAsync(await client.StartAsync("slow", In(2)));
        Assert.Equal("done 2", CallbackClient.Output(next, "out", "children").Str());
    }

    [Fact]
    public async Task A_cancelled_jobs_result_is_never_delivered_or_cached_even_if_its_handler_ignores_the_token()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("stubborn", async (int? n) => { await gate.PassAsync(); return "late result"; })
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        var handle = await client.StartAsync("stubborn", In(1));
        await gate.WaitReachedAsync();

        await client.CancelAsync(handle);
        gate.Open();
        var ended = await client.WaitForEndAsync(handle);

        Assert.Equal("canceled", ended.Status());
        Assert.Null(ended["outputs"]);
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("stubborn", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task A_new_invocation_from_the_same_page_supersedes_and_cancels_the_old_job()
    {
        var firstGate = new Gate();
        var firstTokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("search", async (string? q, CancellationToken ct) =>
                {
                    if (q == "fir")
                    {
                        try
                        {
                            await firstGate.PassAsync(ct);
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                            firstTokenFired.TrySetResult();
                            throw;
                        }
                    }

                    return $"results for {q}";
                })
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var browser = app.NewClient();
        using var client = browser.ForPage("tab-1");
        var first = await client.StartAsync("search", In("fir"));
        await firstGate.WaitReachedAsync();

        var second = await client.StartAsync("search", In("first"));
        await firstTokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var firstEnded = await client.WaitForEndAsync(first);
        var secondEnded = await client.WaitForEndAsync(second);

        Assert.Equal("canceled", firstEnded.Status());
        Assert.Equal("superseded", firstEnded["cancelReason"].Str());
        Assert.Equal("results for first", CallbackClient.Output(secondEnded, "out", "children").Str());
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("search", In("fir"))).Response.StatusCode);
    }

    [Fact]
    public async Task Another_owners_invocation_does_not_supersede_mine()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("search", async (string? q) => { if (q == "mine") await gate.PassAsync(); return q; })
            .Output("out", "children").Input("in", "value"));
        using var me = app.NewClient();
        using var other = app.NewClient();
        var mine = await me.StartAsync("search", In("mine"));
        await gate.WaitReachedAsync();

        await other.WaitForEndAsync(await other.StartAsync("search", In("theirs")));
        gate.Open();

        Assert.Equal("succeeded", (await me.WaitForEndAsync(mine)).Status());
    }

    [Fact]
    public async Task A_queued_job_that_is_cancelled_ends_at_once_and_never_runs()
    {
        var gate = new Gate();
        var ran = new List<int?>();
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("blocker", async (int? n) => { await gate.PassAsync(); return n; }).Output("a", "children").Input("in", "value");
                b.MapBackgroundCallback("queued", (int? n) => { lock (ran) ran.Add(n); return n; }).Output("b", "children").Input("in", "value");
            },
            o => o.WorkerCount = 1);
        using var client = app.NewClient();
        var blocker = await client.StartAsync("blocker", In(1));
        await gate.WaitReachedAsync();
        var queued = await client.StartAsync("queued", In(2));

        var (_, cancelBody) = await client.CancelAsync(queued);
        gate.Open();
        await client.WaitForEndAsync(blocker);

        Assert.Equal("canceled", cancelBody.Status());
        Assert.Equal("canceled", (await client.WaitForEndAsync(queued)).Status());
        var after = await client.WaitForEndAsync(await client.StartAsync("queued", In(3)));
        Assert.Equal("succeeded", after.Status());
        lock (ran) Assert.Equal([3], ran);
    }
}
