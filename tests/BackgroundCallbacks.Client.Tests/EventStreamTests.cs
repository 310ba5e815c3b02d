using BackgroundCallbacks.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>Following on the event stream when the connection misbehaves, against a small in-test server.</summary>
public sealed class EventStreamTests : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false });
    private readonly TimerWatchingTimeProvider _time = new();

    [Fact]
    public async Task A_stream_silent_past_the_heartbeat_is_opened_again_from_the_last_version()
    {
        await using var stub = await StubServer.StartAsync(async (context, n) =>
        {
            context.Response.ContentType = "text/event-stream";
            if (n == 0)
            {
                await context.Response.WriteAsync("retry: 2000\n\nevent: job\nid: 1\ndata: {\"handle\":\"h.j.default\",\"callbackId\":\"report\",\"status\":\"running\",\"version\":1}\n\n");
                await context.Response.Body.FlushAsync();
                // Then nothing, not even a ping: a connection that died without a word.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }

            await context.Response.WriteAsync("event: job\nid: 2\ndata: {\"handle\":\"h.j.default\",\"callbackId\":\"report\",\"status\":\"succeeded\",\"version\":2,\"outputs\":[]}\n\nevent: end\ndata: {}\n\n");
        });
        var client = new BackgroundCallbacksClient(_http, new BackgroundCallbacksClientOptions { BaseAddress = stub.Address, Transport = CallbackTransport.EventStream }, _time);
        await using var updates = client.FollowAsync("h.j.default").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobStatus.Running, updates.Current.Status);
        var silence = _time.NextTimer(TimeSpan.FromSeconds(35));
        var pause = _time.NextTimer(TimeSpan.FromSeconds(2));

        var next = updates.MoveNextAsync().AsTask();
        await silence.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(35));
        await pause.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(stub.Requests);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobStatus.Succeeded, updates.Current.Status);
        Assert.Equal(["GET /_callbacks/events?jobs=h.j.default&after=0", "GET /_callbacks/events?jobs=h.j.default&after=1"], stub.Requests);
        Assert.False(await updates.MoveNextAsync());
    }

    [Fact]
    public async Task A_job_error_event_is_a_404_problem()
    {
        await using var stub = await StubServer.StartAsync((context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            return context.Response.WriteAsync("event: job-error\ndata: {\"handle\":\"h.j.default\",\"status\":404,\"title\":\"Job not found\"}\n\nevent: end\ndata: {}\n\n");
        });
        var client = new BackgroundCallbacksClient(_http, new BackgroundCallbacksClientOptions { BaseAddress = stub.Address, Transport = CallbackTransport.EventStream }, _time);

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() => Follow.AllAsync(client.FollowAsync("h.j.default")));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, problem.StatusCode);
        Assert.Equal("Job not found", problem.Title);
    }

    public void Dispose() => _http.Dispose();
}
