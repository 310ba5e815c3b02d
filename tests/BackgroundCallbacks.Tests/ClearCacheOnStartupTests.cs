using System.Net;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// <see cref="CallbackManagerOptions.ClearCacheOnStartup"/> on the embedded backend. Its store dies with its process,
/// so a restart is shown as two apps on one <see cref="InMemoryResultStore"/>, as a shared backend would outlive them.
/// </summary>
public sealed class ClearCacheOnStartupTests : IDisposable
{
    private readonly InMemoryResultStore _store = new(TimeProvider.System, Options.Create(new BackgroundCallbacksOptions()));
    private int _runs;

    /// <summary>"cleared" on the default manager, which clears its cache at startup; "kept" on a manager that does not.</summary>
    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        b =>
        {
            b.AddManager("keep", o => o.CacheBy = []);
            b.MapBackgroundCallback("cleared", (int? n) => { Interlocked.Increment(ref _runs); return $"cleared{n}"; })
                .Output("out", "children", allowDuplicate: true).Input("in", "value").Configure(c => c.SharedResults = true);
            b.MapBackgroundCallback("kept", (int? n) => { Interlocked.Increment(ref _runs); return $"kept{n}"; })
                .Output("out", "children", allowDuplicate: true).Input("in", "value").Configure(c => { c.SharedResults = true; c.Manager = "keep"; });
        },
        o =>
        {
            o.CacheBy = [];
            o.ClearCacheOnStartup = true;
        },
        services: s => s.AddSingleton(_store));

    private static async Task<HttpStatusCode> RunAsync(CallbackClient client, string callbackId)
    {
        var (response, body) = await client.InvokeAsync(callbackId, [CallbackClient.Value("in", "value", 3)]);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            Assert.Equal("succeeded", (await client.WaitForEndAsync(body["handle"].Str()!)).Status());
        }

        return response.StatusCode;
    }

    [Fact]
    public async Task After_a_restart_the_clearing_managers_entries_miss_and_another_managers_hit()
    {
        await using (var before = await StartAsync())
        {
            using var client = await before.NewClient().WithSessionAsync();
            Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "cleared"));
            Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "kept"));
            Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "cleared"));
            Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "kept"));
        }

        await using var after = await StartAsync();
        using var browser = await after.NewClient().WithSessionAsync();

        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(browser, "cleared"));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(browser, "kept"));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(browser, "cleared"));
        Assert.Equal(3, Volatile.Read(ref _runs));
    }

    [Fact]
    public async Task A_window_that_is_not_positive_is_refused_at_startup()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(
            b => b.MapBackgroundCallback("cb", (int? n) => $"{n}").Output("out", "children").Input("in", "value"),
            o =>
            {
                o.ClearCacheOnStartup = true;
                o.ClearCacheWindow = TimeSpan.Zero;
            }));

        Assert.Contains("ClearCacheWindow", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _store.Dispose();
}
