using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Change notifications reach only the processes that wait on a job or run it: each job has its own channel, which a
/// process subscribes to while something there watches the job, and a read after a watch comes after the subscription
/// is confirmed.
/// </summary>
public sealed class TargetedNotificationsTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_process_that_waits_on_one_job_receives_no_message_of_another()
    {
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        var b = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);
        await web.Jobs.AdmitAsync(b, None);
        var attemptA = (await worker.Jobs.TryStartAsync(a.Record.JobId, "run-a", None)).Attempt;
        var attemptB = (await worker.Jobs.TryStartAsync(b.Record.JobId, "run-b", None)).Attempt;
        using var watch = web.Jobs.Changes.Watch(a.Record.JobId);
        await web.Jobs.ReadAsync(a.Record.JobId, a.FollowerId, 0, None);
        var before = web.RedisJobs.Changes.MessagesReceived;

        for (var i = 0; i < 5; i++)
        {
            await worker.Jobs.AppendUpdatesAsync(b.Record.JobId, attemptB, [$"[{i}]"], [], None);
        }

        // Published after B's on the same server: had B's messages come to this process, they would have come first.
        await worker.Jobs.AppendUpdatesAsync(a.Record.JobId, attemptA, ["[1]"], [], None);
        await watch.Changed.WaitAsync(Deadline);

        Assert.Equal(1, web.RedisJobs.Changes.MessagesReceived - before);
        Assert.Equal(0, worker.RedisJobs.Changes.MessagesReceived);
        Assert.Equal(0, await SubscribersAsync(web, b.Record.JobId));
    }

    [Fact]
    public async Task A_jobs_subscription_is_released_once_its_last_waiter_left_and_the_linger_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, time: time);
        var a = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);
        var watch = web.Jobs.Changes.Watch(a.Record.JobId);
        await web.Jobs.ReadAsync(a.Record.JobId, a.FollowerId, 0, None);
        Assert.Equal(1, await SubscribersAsync(web, a.Record.JobId));

        watch.Dispose();
        Assert.Equal(1, web.RedisJobs.Changes.SubscriptionCount);
        time.Advance(RedisJobStore.SubscriptionLinger);

        await UntilAsync(async () => await SubscribersAsync(web, a.Record.JobId) == 0, "the job's channel kept its subscriber");
        Assert.Equal(0, web.RedisJobs.Changes.SubscriptionCount);
        Assert.DoesNotContain(await ChannelsAsync(web), c => c.Contains(a.Record.JobId[JobHandles.TagLength..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_waiter_that_comes_back_within_the_linger_keeps_the_subscription()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, time: time);
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);
        var attempt = (await worker.Jobs.TryStartAsync(a.Record.JobId, "run", None)).Attempt;
        web.Jobs.Changes.Watch(a.Record.JobId).Dispose();
        await web.Jobs.ReadAsync(a.Record.JobId, a.FollowerId, 0, None);

        using var again = web.Jobs.Changes.Watch(a.Record.JobId);
        time.Advance(RedisJobStore.SubscriptionLinger * 2);

        // Still subscribed, so the change wakes the waiter through its message.
        Assert.Equal(1, web.RedisJobs.Changes.SubscriptionCount);
        await worker.Jobs.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]"], [], None);
        await again.Changed.WaitAsync(Deadline);
        Assert.Equal(1, await SubscribersAsync(web, a.Record.JobId));
    }

    [Fact]
    public async Task A_change_made_right_after_the_first_read_is_not_lost()
    {
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);
        var attempt = (await worker.Jobs.TryStartAsync(a.Record.JobId, "run", None)).Attempt;

        using var watch = web.Jobs.Changes.Watch(a.Record.JobId);
        await web.Jobs.ReadAsync(a.Record.JobId, a.FollowerId, 0, None);

        // No wait of any kind between the read and the change: the subscription was confirmed before the read answered.
        await worker.Jobs.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]"], [], None);
        await watch.Changed.WaitAsync(Deadline);
        Assert.Equal(1, web.RedisJobs.Changes.MessagesReceived);
    }

    [Fact]
    public async Task After_a_watch_and_its_first_read_the_process_is_subscribed_to_the_jobs_channel()
    {
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);

        using var watch = web.Jobs.Changes.Watch(a.Record.JobId);
        await web.Jobs.ReadAsync(a.Record.JobId, a.FollowerId, 0, None);

        Assert.True(web.RedisJobs.Changes.SubscribedAsync(a.Record.JobId).IsCompletedSuccessfully);
        Assert.Equal(1, await SubscribersAsync(web, a.Record.JobId));
    }

    [Fact]
    public async Task A_cancel_reaches_the_worker_running_the_job_on_the_jobs_own_channel()
    {
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(a, None);
        await worker.Jobs.TryStartAsync(a.Record.JobId, "run", None);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await worker.Jobs.SubscribeCancelAsync(a.Record.JobId, () => fired.TrySetResult(), None);
        Assert.Equal(1, await SubscribersAsync(web, a.Record.JobId));

        await web.Jobs.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None);

        // Well inside the 5 s of the fallback check, which this test never runs: the message itself fired it.
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(4));
        Assert.Equal(1, worker.RedisJobs.Changes.MessagesReceived);
        Assert.Equal(0, web.RedisJobs.Changes.MessagesReceived);
    }

    [Fact]
    public async Task A_running_jobs_subscription_is_made_again_after_Redis_restarts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = await BackendHarness.CreateAsync(redis.ConnectionString);
        var a = JobStoreContractTests.NewAdmission();
        await worker.Jobs.AdmitAsync(a, None);
        await worker.Jobs.TryStartAsync(a.Record.JobId, "run", None);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = await worker.Jobs.SubscribeCancelAsync(a.Record.JobId, () => fired.TrySetResult(), None);

        await redis.KillAsync();
        await redis.RestartAsync();
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var channel = new RedisKeys(worker.Options.KeyPrefix).Changes(a.Record.JobId);

        // The job went with the server (no persistence), so the cancel check finds nothing: only the message can fire it.
        await UntilAsync(async () => (long)(await inspector.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", (string)channel!))[1] == 1, "the subscription was not made again");
        Assert.False(fired.Task.IsCompleted);
        await inspector.GetSubscriber().PublishAsync(channel, "c" + a.Record.JobId);
        await fired.Task.WaitAsync(Deadline);
    }

    [Fact]
    public void A_jobs_channel_hashes_to_the_slot_of_the_jobs_keys()
    {
        var keys = new RedisKeys("bgcb:");
        var jobId = JobStoreContractTests.NewAdmission().Record.JobId;
        using var redis = ConnectionMultiplexer.Connect(fixture.Redis.ConnectionString);

        Assert.Equal(redis.HashSlot(keys.Job(jobId)), redis.HashSlot(keys.ChangesName(jobId)));
        Assert.Equal(redis.HashSlot(keys.Line("reports")[0]), redis.HashSlot(keys.ChangesName(IJobLimits.WatchName("reports"))));
    }

    private static async Task<long> SubscribersAsync(BackendHarness backend, string jobId) =>
        (long)(await backend.Db.ExecuteAsync("PUBSUB", "NUMSUB", new RedisKeys(backend.Options.KeyPrefix).ChangesName(jobId)))[1];

    private static async Task<string[]> ChannelsAsync(BackendHarness backend) =>
        ((RedisResult[])(await backend.Db.ExecuteAsync("PUBSUB", "CHANNELS", backend.Options.KeyPrefix + "*"))!).Select(r => (string)r!).ToArray();

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(20);
        }
    }
}
