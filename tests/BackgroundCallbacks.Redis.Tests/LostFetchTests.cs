using System.Globalization;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// A job a worker took from the queue and lost before it began it (Hangfire.Redis's fetch writes twice; when the
/// second write's answer times out, the fetch fails although Redis applied it) is put back and run within seconds, not
/// after the storage's invisibility timeout of hours.
/// </summary>
public sealed class LostFetchTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string HangfirePrefix = "bgcb-hangfire:";

    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(webs: 1, workers: 0);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_fetched_job_that_no_worker_began_is_put_back_in_the_queue_and_runs()
    {
        var web = _cluster.Webs[0].Address!;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Redis.ConnectionString);
        var db = redis.GetDatabase();
        using var browser = new ProtocolClient();
        var handle = await browser.StartAsync(web, "tiny", "tiny-in", "value", 1);
        var queue = (RedisKey)(HangfirePrefix + "queue:callbacks");
        var dequeued = (RedisKey)(HangfirePrefix + "queue:callbacks:dequeued");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await db.ListLengthAsync(queue) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The job never reached Hangfire's queue.");
            await Task.Delay(20);
        }

        // What a fetch whose second write timed out leaves behind: the id in the dequeued list, the job stamped
        // Fetched, still Enqueued, and no worker that will ever process it.
        var hangfireJob = (string)(await db.ListRightPopLeftPushAsync(queue, dequeued))!;
        await db.HashSetAsync(HangfirePrefix + "job:" + hangfireJob, "Fetched", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        Assert.Equal("Enqueued", (string?)await db.HashGetAsync(HangfirePrefix + "job:" + hangfireJob, "State"));
        var worker = await _cluster.StartWorkerAsync();

        var done = await browser.WaitForEndAsync(web, handle, TimeSpan.FromSeconds(60));
        output.WriteLine(string.Join('\n', worker.Lines().Where(l => l.StartsWith("LOG|", StringComparison.Ordinal))));

        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await db.ListLengthAsync(dequeued) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The job was never taken off the dequeued list.");
            await Task.Delay(20);
        }
    }
}
