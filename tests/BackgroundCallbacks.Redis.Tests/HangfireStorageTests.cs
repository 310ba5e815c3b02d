using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Hangfire;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Our jobs go through a Hangfire storage of our own, under its own prefix, never through Hangfire's statics.</summary>
public sealed class HangfireStorageTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Jobs_run_through_our_own_Hangfire_storage_under_its_own_prefix()
    {
        await using var app = await InProcessApp.StartAsync(
            fixture.Redis.ConnectionString,
            b => b.MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("echo-out", "children").Input("echo-in", "value"),
            o =>
            {
                o.KeyPrefix = "appjobs:";
                o.HangfirePrefix = "appjobs-hangfire:";
            });
        using var browser = new ProtocolClient();

        var handle = await browser.StartAsync(app.Address, "echo", "echo-in", "value", 3);
        var done = await browser.WaitForEndAsync(app.Address, handle, TimeSpan.FromSeconds(30));

        Assert.Equal("echo 3", ProtocolClient.Value(done, "echo-out", "children")!.GetValue<string>());
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var keys = inspector.GetServer(inspector.GetEndPoints()[0]).Keys(pattern: "*").Select(k => (string)k!).ToArray();
        Assert.Contains("appjobs-hangfire:servers", keys);
        Assert.Contains(keys, k => k.StartsWith("appjobs-hangfire:job:", StringComparison.Ordinal));
        Assert.Contains((string)new BackgroundCallbacks.Redis.Connections.RedisKeys("appjobs:").Job(handle.Split('.')[1])!, keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("{hangfire}:", StringComparison.Ordinal));
        Assert.All(keys, k =>
            Assert.True(k.StartsWith("appjobs:", StringComparison.Ordinal) || k.StartsWith("appjobs-hangfire:", StringComparison.Ordinal), k));

        // Hangfire's process-wide storage is left alone, for the application's own Hangfire jobs.
        Assert.Throws<InvalidOperationException>(() => JobStorage.Current);
    }
}
