using System.Collections.Concurrent;
using System.Net;
using BackgroundCallbacks.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>A handle is owned by the session whose cookie the client keeps: each client instance is one session.</summary>
[Collection(SampleCollection.Name)]
public sealed class OwnerTests(SampleFixture sample)
{
    [Theory]
    [InlineData(CallbackTransport.LongPoll)]
    [InlineData(CallbackTransport.EventStream)]
    public async Task A_second_client_cannot_follow_or_cancel_the_first_clients_handle(CallbackTransport transport)
    {
        var owner = sample.NewClient(o => o.Transport = transport);
        var other = sample.NewClient(o => o.Transport = transport);
        var invocation = await owner.InvokeAsync("basic", [1]);
        var handle = invocation.Handle!;

        var follow = await Assert.ThrowsAsync<CallbackProblemException>(() => Follow.AllAsync(other.FollowAsync(handle)));
        var cancel = await Assert.ThrowsAsync<CallbackProblemException>(() => other.CancelAsync(handle));
        var read = await Assert.ThrowsAsync<CallbackProblemException>(() => other.GetJobAsync(handle));

        Assert.Equal(HttpStatusCode.NotFound, follow.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        // The owner's cookie was kept: it follows its own handle, which the other's cancel did not touch.
        var result = (await Follow.AllAsync(owner.FollowAsync(handle)))[^1];
        Assert.Equal(JobStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task Clients_from_the_container_are_separate_sessions_over_the_pooled_handler()
    {
        var requests = new ConcurrentQueue<string>();
        var services = new ServiceCollection();
        services.AddBackgroundCallbacksClient(o => o.BaseAddress = sample.Server.Address)
            .AddHttpMessageHandler(() => new RecordingHandler(requests));
        await using var provider = services.BuildServiceProvider();
        var first = provider.GetRequiredService<BackgroundCallbacksClient>();
        var second = provider.GetRequiredService<BackgroundCallbacksClient>();
        Assert.NotSame(first, second);

        var invocation = await first.InvokeAsync("basic", [2]);

        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<CallbackProblemException>(() => second.GetJobAsync(invocation.Handle!))).StatusCode);
        Assert.Equal("Clicked 2 times", (await invocation.GetResultAsync()).GetOutput<string>("basic-paragraph", "children"));
        // The builder AddBackgroundCallbacksClient returned put the handler in the client's pipeline.
        Assert.Contains("POST /_callbacks/callbacks/basic", requests);
    }

    private sealed class RecordingHandler(ConcurrentQueue<string> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
