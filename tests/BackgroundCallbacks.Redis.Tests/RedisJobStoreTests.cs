using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// What only the Redis store has to get right: changes made by another process reach this one, lost messages are made
/// up for, keys expire on their own, and each job's keys sit in one hash slot.
/// </summary>
public sealed class RedisJobStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_cancel_made_through_another_connection_fires_the_running_jobs_subscription()
    {
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var admission = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(admission, None);
        await worker.Jobs.TryStartAsync(admission.Record.JobId, "run", None);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await worker.Jobs.SubscribeCancelAsync(admission.Record.JobId, () => fired.TrySetResult(), None);

        await web.Jobs.DetachAsync(admission.Record.JobId, admission.FollowerId, CancelReasons.Requested, None);

        // Well inside the 5 s of the fallback check, which this test never runs: the message itself woke it.
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_cancel_whose_message_was_lost_is_found_by_the_fallback_check()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var admission = JobStoreContractTests.NewAdmission();
        await backend.Jobs.AdmitAsync(admission, None);
        await backend.Jobs.TryStartAsync(admission.Record.JobId, "run", None);
        var fired = new TaskCompletionSource();
        await using var subscription = await backend.Jobs.SubscribeCancelAsync(admission.Record.JobId, () => fired.TrySetResult(), None);

        // The job cancelled behind the store's back, with no message: as if the message had been lost.
        await backend.Db.HashSetAsync(JobKey(backend, admission.Record.JobId), "s", (int)JobStatus.Canceled);
        Assert.False(fired.Task.IsCompleted);
        await backend.RedisJobs.CheckCancelsAsync();

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_long_poll_wakes_on_a_change_made_through_another_connection()
    {
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var admission = JobStoreContractTests.NewAdmission();
        await web.Jobs.AdmitAsync(admission, None);
        var attempt = (await worker.Jobs.TryStartAsync(admission.Record.JobId, "run", None)).Attempt;
        var handle = admission.Handle;
        var follow = web.Services.GetRequiredService<JobService>();
        var owner = new Owner(admission.Record.Owner, null, string.Empty);
        var before = await follow.FollowAsync(handle, owner, 0, TimeSpan.Zero, None);

        var waiting = follow.FollowAsync(handle, owner, before!.Version, TimeSpan.FromSeconds(30), None).AsTask();
        await WaitUntilAsync(() => web.Jobs.Changes.WaitersOf(admission.Record.JobId) == 1);
        await worker.Jobs.AppendUpdatesAsync(admission.Record.JobId, attempt, ["[5]"], [], None);
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("[5]", changed!.ProgressJson);
        Assert.Equal(0, web.Jobs.Changes.EntryCount);
    }

    [Fact]
    public async Task A_long_poll_whose_message_was_lost_still_reads_the_job_again_when_its_wait_ends()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var admission = JobStoreContractTests.NewAdmission();
        await backend.Jobs.AdmitAsync(admission, None);
        var follow = backend.Services.GetRequiredService<JobService>();
        var owner = new Owner(admission.Record.Owner, null, string.Empty);
        var before = await follow.FollowAsync(admission.Handle, owner, 0, TimeSpan.Zero, None);

        var waiting = follow.FollowAsync(admission.Handle, owner, before!.Version, TimeSpan.FromMilliseconds(500), None).AsTask();
        await backend.Db.HashIncrementAsync(JobKey(backend, admission.Record.JobId), "v");
        var seen = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(before.Version + 1, seen!.Version);
        Assert.Equal(0, backend.Jobs.Changes.EntryCount);
    }

    [Fact]
    public async Task A_running_job_lives_a_day_without_changes_and_an_ended_one_for_the_retention_only()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, callbacks: o => o.JobRetention = TimeSpan.FromMilliseconds(300));
        var admission = JobStoreContractTests.NewAdmission(JobStoreContractTests.NewKey());
        await backend.Jobs.AdmitAsync(admission, None);
        var jobId = admission.Record.JobId;
        var attempt = (await backend.Jobs.TryStartAsync(jobId, "run", None)).Attempt;
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[1]"], [new("log", "{}")], None);
        var liveTtl = await backend.Db.KeyTimeToLiveAsync(JobKey(backend, jobId));
        var updatesTtl = await backend.Db.KeyTimeToLiveAsync(JobKey(backend, jobId).Append(":u"));
        var progressTtl = await backend.Db.KeyTimeToLiveAsync(JobKey(backend, jobId).Append(":p"));
        var indexTtl = await backend.Db.KeyTimeToLiveAsync(IndexKey(backend, admission.Record.Key!));

        await backend.Jobs.CompleteAsync(jobId, attempt, JobOutcome.Succeeded("[]"), None);
        var endedTtl = await backend.Db.KeyTimeToLiveAsync(JobKey(backend, jobId));
        var endedProgressTtl = await backend.Db.KeyTimeToLiveAsync(JobKey(backend, jobId).Append(":p"));

        // A day after its last change at least: the live time to live is renewed only once an hour has passed, so it is a day and that hour.
        var live = RedisJobStore.LiveJobTtl + RedisJobStore.LiveTtlRenewal;
        Assert.InRange(liveTtl!.Value, live - TimeSpan.FromMinutes(5), live);
        Assert.InRange(updatesTtl!.Value, live - TimeSpan.FromMinutes(5), live);
        Assert.InRange(progressTtl!.Value, live - TimeSpan.FromMinutes(5), live);
        Assert.InRange(indexTtl!.Value, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        Assert.InRange(endedTtl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));
        Assert.InRange(endedProgressTtl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));
        Assert.False(await backend.Db.KeyExistsAsync(IndexKey(backend, admission.Record.Key!)));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await backend.Db.KeyExistsAsync(JobKey(backend, jobId)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The ended job was still there long after its retention.");
            await Task.Delay(50);
        }

        Assert.False(await backend.Db.KeyExistsAsync(JobKey(backend, jobId).Append(":u")));
        Assert.False(await backend.Db.KeyExistsAsync(JobKey(backend, jobId).Append(":p")));
    }

    [Fact]
    public async Task Every_key_of_a_job_and_the_index_of_its_cache_key_share_one_hash_slot()
    {
        var prefix = "slot" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        var key = JobStoreContractTests.NewKey();
        var creator = JobStoreContractTests.NewAdmission(key);
        var joiner = JobStoreContractTests.NewAdmission(key);
        await backend.Jobs.AdmitAsync(creator, None);
        await backend.Jobs.AdmitAsync(joiner, None);
        var attempt = (await backend.Jobs.TryStartAsync(creator.Record.JobId, "run", None)).Attempt;
        await backend.Jobs.AppendUpdatesAsync(creator.Record.JobId, attempt, ["[1]"], [new("log", "{}")], None);

        var server = backend.Inspector.GetServers()[0];
        var keys = server.Keys(pattern: prefix + "*").Select(k => (string)k!).Where(k => !k.EndsWith("outbox", StringComparison.Ordinal)).ToArray();
        var slots = keys.Select(k => server.Multiplexer.HashSlot(k)).Distinct().ToArray();

        Assert.Equal(5, keys.Length); // the job, its updates, its progress log, the key's index, and the alias the join left
        Assert.Single(slots);
    }

    private static RedisKey JobKey(BackendHarness backend, string jobId) =>
        new Connections.RedisKeys(backend.Options.KeyPrefix).Job(jobId);

    private static RedisKey IndexKey(BackendHarness backend, string key) =>
        new Connections.RedisKeys(backend.Options.KeyPrefix).Index(key);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition never held.");
            await Task.Delay(10);
        }
    }
}
