using BackgroundCallbacks.Redis.Queueing;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The look at the queues that every dead-worker pass starts with: the watchers' passes run only when a dequeued list
/// holds a job, and jobs left waiting in a queue send the fetch channel's wake-up again (a lost one costs one pass).
/// </summary>
public sealed class DequeuedProbeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task The_watchers_pass_runs_only_while_a_dequeued_list_holds_a_job()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var prefix = $"probe-{Guid.NewGuid():N}:";
        var db = redis.GetDatabase();
        var watcher = new LostFetchWatcher(redis, prefix, TimeSpan.FromSeconds(30));
        await db.SetAddAsync(prefix + "queues", ["a", "b"]);

        var idle = watcher.Probe();
        await db.ListRightPushAsync(prefix + "queue:b:dequeued", "job-1");
        var fetched = watcher.Probe();

        Assert.False(idle);
        Assert.True(fetched);
    }

    [Fact]
    public async Task Jobs_left_waiting_in_a_queue_send_the_wake_up_again()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var prefix = $"probe-{Guid.NewGuid():N}:";
        var db = redis.GetDatabase();
        var watcher = new LostFetchWatcher(redis, prefix, TimeSpan.FromSeconds(30));
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(prefix + "JobFetchChannel"), (_, _) => woken.TrySetResult());
        await db.SetAddAsync(prefix + "queues", "a");
        await db.ListRightPushAsync(prefix + "queue:a", "job-1");

        var fetched = watcher.Probe();

        Assert.False(fetched);
        await woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
