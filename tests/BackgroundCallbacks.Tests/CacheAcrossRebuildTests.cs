using System.Net;
using System.Reflection;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// A deploy, in process: the app of the first build writes results, stops, and the app of the second build starts on
/// the same result store (one <see cref="InMemoryResultStore"/> handed to both, standing in for Redis).
/// </summary>
public sealed class CacheAcrossRebuildTests : IDisposable
{
    private readonly InMemoryResultStore _store = new(TimeProvider.System, Options.Create(new BackgroundCallbacksOptions()));

    private static readonly string[] Callbacks = ["kept", "changed", "kept-async", "changed-async", "kept-lambda", "changed-lambda"];

    private Task<TestApp> StartAsync(Assembly build) => TestApp.StartAsync(
        b =>
        {
            b.AddCallbacksFrom(build);
            foreach (var (id, property) in new[] { ("kept-lambda", "Kept"), ("changed-lambda", "Changed") })
            {
                b.MapBackgroundCallback(id, RebuiltHandlers.Lambda(build, property))
                    .Output("out", "children", allowDuplicate: true).Input("in", "value")
                    .Configure(c => { c.CacheBy = []; c.SharedResults = true; });
            }
        },
        services: s => s.AddSingleton(_store));

    private static async Task<(HttpStatusCode Status, string? Output)> InvokeAsync(CallbackClient client, string callbackId)
    {
        var (response, body) = await client.InvokeAsync(callbackId, [CallbackClient.Value("in", "value", 5)]);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            body = await client.WaitForEndAsync(body["handle"].Str()!);
            Assert.Equal("succeeded", body.Status());
        }

        return (response.StatusCode, CallbackClient.Output(body, "out", "children").Str());
    }

    [Fact]
    public async Task After_a_rebuild_only_the_changed_handlers_entries_miss()
    {
        await using (var first = await StartAsync(RebuiltHandlers.First))
        {
            using var client = await first.NewClient().WithSessionAsync();
            foreach (var id in Callbacks)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await InvokeAsync(client, id)).Status);
            }
        }

        await using var second = await StartAsync(RebuiltHandlers.Second);
        using var browser = await second.NewClient().WithSessionAsync();

        Assert.Equal((HttpStatusCode.OK, "kept:helped:5"), await InvokeAsync(browser, "kept"));
        Assert.Equal((HttpStatusCode.OK, "kept-async:5"), await InvokeAsync(browser, "kept-async"));
        Assert.Equal((HttpStatusCode.OK, "kept-lambda:5"), await InvokeAsync(browser, "kept-lambda"));
        Assert.Equal((HttpStatusCode.Accepted, "changed in the second build:5"), await InvokeAsync(browser, "changed"));
        Assert.Equal((HttpStatusCode.Accepted, "changed-async in the second build:5"), await InvokeAsync(browser, "changed-async"));
        Assert.Equal((HttpStatusCode.Accepted, "changed-lambda in the second build:5"), await InvokeAsync(browser, "changed-lambda"));
    }

    public void Dispose() => _store.Dispose();
}
