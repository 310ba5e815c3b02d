using System.Net;
using BackgroundCallbacks.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>
/// 503 and 429 with <c>Retry-After</c>: the client waits the server's delay on its clock, retries a bounded number of
/// times, and otherwise throws the problem with the delay. A small in-test server answers on cue.
/// </summary>
public sealed class RetryTests : IDisposable
{
    private static readonly CallbackRequest Run = new() { Inputs = [new CallbackValue("run", "n_clicks", 1)], Triggered = ["run.n_clicks"] };

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false });
    private readonly TimerWatchingTimeProvider _time = new();

    [Theory]
    [InlineData(503, "queue-full", 7)]
    [InlineData(429, "too-many-jobs", 2)]
    public async Task A_refusal_with_Retry_After_is_retried_after_the_delay(int status, string reason, int seconds)
    {
        await using var stub = await StubServer.StartAsync((context, n) => n == 0
            ? StubServer.Problem(context, status, reason, seconds)
            : StubServer.CachedAnswer(context, "report", "out", "done"));
        var client = Client(stub);
        var waiting = _time.NextTimer(TimeSpan.FromSeconds(seconds));

        var invoking = client.InvokeAsync("report", Run);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(stub.Requests);
        Assert.False(invoking.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(seconds));
        var answer = await invoking.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["POST /_callbacks/callbacks/report", "POST /_callbacks/callbacks/report"], stub.Requests);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("done", answer.State.GetOutput<string>("out", "children"));
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_last_refusal_is_thrown_with_its_delay()
    {
        await using var stub = await StubServer.StartAsync((context, n) => StubServer.Problem(context, 503, "queue-full", n + 1));
        var client = Client(stub, o => o.MaxRetries = 2);
        var first = _time.NextTimer(TimeSpan.FromSeconds(1));
        var second = _time.NextTimer(TimeSpan.FromSeconds(2));

        var invoking = client.InvokeAsync("report", Run);
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(2));

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() => invoking.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.StatusCode);
        Assert.Equal("queue-full", problem.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), problem.RetryAfter);
    }

    [Fact]
    public async Task A_delay_longer_than_the_client_waits_is_thrown_at_once()
    {
        await using var stub = await StubServer.StartAsync((context, _) => StubServer.Problem(context, 503, "queue-full", 120));
        var client = Client(stub, o => o.MaxRetryDelay = TimeSpan.FromSeconds(30));

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() => client.InvokeAsync("report", Run));

        Assert.Single(stub.Requests);
        Assert.Equal(TimeSpan.FromSeconds(120), problem.RetryAfter);
    }

    [Fact]
    public async Task A_poll_answered_503_is_retried_too()
    {
        await using var stub = await StubServer.StartAsync((context, n) =>
        {
            if (n == 0)
            {
                return StubServer.Problem(context, 503, "backend-unavailable", 1);
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"handle":"h.j.default","callbackId":"report","status":"succeeded","version":3,"outputs":[]}""");
        });
        var client = Client(stub);
        var waiting = _time.NextTimer(TimeSpan.FromSeconds(1));

        var following = Follow.AllAsync(client.FollowAsync("h.j.default"));
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(1));

        var update = Assert.Single(await following.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobStatus.Succeeded, update.Status);
        Assert.Equal(2, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.StartsWith("GET /_callbacks/jobs/h.j.default?after=0&wait=", r));
    }

    [Fact]
    public async Task Without_a_held_poll_an_answer_with_no_news_waits_a_second_before_the_next()
    {
        await using var stub = await StubServer.StartAsync((context, n) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(n < 2
                ? """{"handle":"h.j.default","callbackId":"report","status":"running","version":1}"""
                : """{"handle":"h.j.default","callbackId":"report","status":"succeeded","version":2,"outputs":[]}""");
        });
        var client = Client(stub, o => o.LongPollWait = TimeSpan.Zero);
        var paced = _time.NextTimer(TimeSpan.FromSeconds(1));

        var following = Follow.AllAsync(client.FollowAsync("h.j.default"));
        await paced.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, stub.Requests.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        var updates = await following.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([JobStatus.Running, JobStatus.Succeeded], updates.Select(u => u.Status));
        Assert.Equal(3, stub.Requests.Count);
        Assert.Contains("wait=0", stub.Requests[0]);
    }

    public void Dispose() => _http.Dispose();

    private BackgroundCallbacksClient Client(StubServer stub, Action<BackgroundCallbacksClientOptions>? configure = null)
    {
        var options = new BackgroundCallbacksClientOptions { BaseAddress = stub.Address };
        configure?.Invoke(options);
        return new BackgroundCallbacksClient(_http, options, _time);
    }
}
