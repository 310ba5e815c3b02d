using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// <see cref="CallbackManagerOptions.ClearCacheOnStartup"/> on Redis: processes that start together clear their
/// manager's cache once, and another manager's entries survive.
/// </summary>
public sealed class RedisClearCacheOnStartupTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>"cleared" on the default manager, "kept" on the manager "keep"; only the default one may clear at startup.</summary>
    private Task<InProcessApp> StartAsync(string prefix, bool clear) => InProcessApp.StartAsync(
        b =>
        {
            b.UseRedis(o =>
            {
                o.ConnectionString = fixture.Redis.ConnectionString;
                o.KeyPrefix = prefix;
                o.HangfirePrefix = "hf-" + prefix;
            });
            b.AddManager("keep", o => o.CacheBy = []);
            b.MapBackgroundCallback("cleared", (int? n) => $"cleared{n}")
                .Output("out", "children", allowDuplicate: true).Input("in", "value").Configure(c => c.SharedResults = true);
            b.MapBackgroundCallback("kept", (int? n) => $"kept{n}")
                .Output("out", "children", allowDuplicate: true).Input("in", "value").Configure(c => { c.SharedResults = true; c.Manager = "keep"; });
        },
        callbackOptions: o =>
        {
            o.CacheBy = [];
            o.ClearCacheOnStartup = clear;
        });

    private static async Task<HttpStatusCode> RunAsync(ProtocolClient browser, Uri web, string callbackId)
    {
        var (status, body, _) = await browser.InvokeAsync(web, callbackId, "in", "value", 4);
        if (status == HttpStatusCode.Accepted)
        {
            var done = await browser.WaitForEndAsync(web, body["handle"]!.GetValue<string>(), JobTimeout);
            Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        }

        return status;
    }

    private static bool Logged(InProcessApp app, string eventName)
    {
        try
        {
            // Startup logs before StartAsync returns, so the event is there or never will be.
            app.Logs.WaitForEventAsync(eventName, TimeSpan.Zero).GetAwaiter().GetResult();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Two_processes_starting_at_once_clear_their_managers_cache_once_and_another_managers_entries_survive()
    {
        var prefix = "clear" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using (var before = await StartAsync(prefix, clear: false))
        {
            using var browser = await new ProtocolClient().WithSessionAsync(before.Address);
            Assert.Equal(HttpStatusCode.Accepted, await RunAsync(browser, before.Address, "cleared"));
            Assert.Equal(HttpStatusCode.Accepted, await RunAsync(browser, before.Address, "kept"));
            Assert.Equal(HttpStatusCode.OK, await RunAsync(browser, before.Address, "cleared"));
        }

        var started = await Task.WhenAll(StartAsync(prefix, clear: true), StartAsync(prefix, clear: true));
        await using var one = started[0];
        await using var two = started[1];

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var generations = redis.GetDatabase().HashGetAll(prefix + "generations").ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        Assert.Equal("1", generations["cleared"]);
        Assert.False(generations.ContainsKey("kept"));
        Assert.Single(started, app => Logged(app, "CacheClearedOnStartup"));
        Assert.Single(started, app => Logged(app, "CacheClearSkipped"));

        using var client = await new ProtocolClient().WithSessionAsync(one.Address);
        await client.WithSessionAsync(two.Address);
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, one.Address, "kept"));
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, one.Address, "cleared"));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, two.Address, "cleared"));
    }

    [Fact]
    public async Task A_process_starting_after_the_window_clears_again()
    {
        var prefix = "clear" + Guid.NewGuid().ToString("N")[..8] + ":";
        Task<InProcessApp> Start() => InProcessApp.StartAsync(
            b =>
            {
                b.UseRedis(o =>
                {
                    o.ConnectionString = fixture.Redis.ConnectionString;
                    o.KeyPrefix = prefix;
                    o.HangfirePrefix = "hf-" + prefix;
                });
                b.MapBackgroundCallback("cleared", (int? n) => $"cleared{n}").Output("out", "children").Input("in", "value");
            },
            callbackOptions: o =>
            {
                o.CacheBy = [];
                o.ClearCacheOnStartup = true;
                o.ClearCacheWindow = TimeSpan.FromMilliseconds(200);
            });
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var db = redis.GetDatabase();
        await using (await Start())
        {
            Assert.Equal(1, (long)await db.HashGetAsync(prefix + "generations", "cleared"));
        }

        // Waits for the marker to lapse by Redis's own clock, the one the script reads.
        var marker = (long)await db.HashGetAsync(prefix + "generations", "!cleared:default");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await RedisMillisecondsAsync(db) <= marker)
        {
            Assert.True(DateTime.UtcNow < deadline, "The marker never lapsed.");
            await Task.Delay(20);
        }

        await using var again = await Start();
        Assert.Equal(2, (long)await db.HashGetAsync(prefix + "generations", "cleared"));
    }

    private static async Task<long> RedisMillisecondsAsync(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return ((long)time[0] * 1000) + ((long)time[1] / 1000);
    }
}
