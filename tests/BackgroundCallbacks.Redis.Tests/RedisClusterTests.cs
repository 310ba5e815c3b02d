using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The backend on a three-shard Redis Cluster, seen from Redis: what spreads over the shards, what stays on one, and
/// what startup says about settings that cannot work there. The multi-process behaviours on a cluster are in
/// <see cref="MultiProcessOnRedisClusterTests"/> and <see cref="SharedJobsAcrossProcessesOnRedisClusterTests"/>.
/// </summary>
public sealed class RedisClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Task<InProcessApp> StartAsync(string connectionString, string keyPrefix, Action<RedisCallbacksOptions>? options = null) =>
        InProcessApp.StartAsync(
            b =>
            {
                b.UseRedis(o =>
                {
                    o.ConnectionString = connectionString;
                    o.KeyPrefix = keyPrefix;
                    options?.Invoke(o);
                });
                b.MapBackgroundCallback("square", (int? n) => $"{n * n}")
                    .Output("out", "children").Input("in", "value").Configure(c => c.SharedResults = true);
            },
            callbackOptions: o => o.CacheBy = []);

    private static async Task RunAsync(Uri web, int n)
    {
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(web, "square", "in", "value", n);
        var done = await browser.WaitForEndAsync(web, handle, Timeout);
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
    }

    /// <summary>The nodes of the cluster, each with the keys under a prefix it holds.</summary>
    private static async Task<Dictionary<string, RedisKey[]>> KeysByNodeAsync(ConnectionMultiplexer redis, string pattern)
    {
        var byNode = new Dictionary<string, RedisKey[]>();
        foreach (var server in redis.GetServers())
        {
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: pattern))
            {
                keys.Add(key);
            }

            byNode[server.EndPoint.ToString()!] = [.. keys];
        }

        return byNode;
    }

    [Fact]
    public async Task Jobs_and_cached_results_spread_over_the_shards_while_Hangfires_keys_share_one_slot_under_a_tagged_default_prefix()
    {
        var prefix = "spread" + Guid.NewGuid().ToString("N")[..8] + ":";

        // One node is enough to find the cluster: StackExchange.Redis learns the others from it.
        await using (var app = await StartAsync($"127.0.0.1:{fixture.Redis.Ports[0]}", prefix))
        {
            foreach (var n in Enumerable.Range(1, 12))
            {
                await RunAsync(app.Address, n);
            }

            using var browser = new ProtocolClient();
            var (status, body, _) = await browser.InvokeAsync(app.Address, "square", "in", "value", 5);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(body["cached"]!.GetValue<bool>());

            await app.Logs.WaitForEventAsync("RedisClusterDetected", Timeout);
            Assert.Contains("{bgcb-hangfire}:", app.Logs.MessageOf("RedisClusterDetected"), StringComparison.Ordinal);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var results = await KeysByNodeAsync(redis, prefix + "r:*");
        var jobs = await KeysByNodeAsync(redis, prefix + "j:*");
        Assert.Equal(12, results.Values.Sum(k => k.Length));
        Assert.True(results.Values.Count(k => k.Length > 0) >= 2, "The 12 cached results all sit on one shard.");
        Assert.True(jobs.Values.Count(k => k.Length > 0) >= 2, "The 12 jobs all sit on one shard.");

        var hangfire = (await KeysByNodeAsync(redis, "{bgcb-hangfire}:*")).Values.SelectMany(k => k).ToArray();
        Assert.NotEmpty(hangfire);
        Assert.Single(hangfire.Select(k => redis.HashSlot(k)).Distinct());
        Assert.Empty((await KeysByNodeAsync(redis, "bgcb-hangfire:*")).Values.SelectMany(k => k));
    }

    [Fact]
    public async Task An_untagged_HangfirePrefix_on_a_cluster_is_named_at_startup_and_the_workers_fail_to_start_with_the_reason()
    {
        await using var app = await StartAsync(fixture.Redis.ConnectionString, "untagged:", o => o.HangfirePrefix = "plain-hf:");

        await app.Logs.WaitForEventAsync("RedisClusterSettingsInvalid", Timeout);
        var message = app.Logs.MessageOf("RedisClusterSettingsInvalid");
        Assert.Contains("HangfirePrefix ('plain-hf:') has no hash tag", message, StringComparison.Ordinal);
        Assert.Contains("'{plain-hf}:'", message, StringComparison.Ordinal);

        await app.Logs.WaitForEventAsync("RedisWorkersNotStarted", Timeout);
        Assert.Contains("has no hash tag", app.Logs.ExceptionOf("RedisWorkersNotStarted")!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_other_than_0_on_a_cluster_is_named_at_startup()
    {
        await using var app = await StartAsync(fixture.Redis.ConnectionString + ",defaultDatabase=2", "database:");

        await app.Logs.WaitForEventAsync("RedisClusterSettingsInvalid", Timeout);
        Assert.Contains("database 2 is configured", app.Logs.MessageOf("RedisClusterSettingsInvalid"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_one_server_the_default_Hangfire_prefix_is_kept_so_an_upgrade_finds_its_queued_jobs()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var app = await StartAsync(server.ConnectionString, "standalone:"))
        {
            await RunAsync(app.Address, 3);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        Assert.NotEmpty((await KeysByNodeAsync(redis, "bgcb-hangfire:*")).Values.SelectMany(k => k));
        Assert.Empty((await KeysByNodeAsync(redis, "{bgcb-hangfire}:*")).Values.SelectMany(k => k));
    }
}
