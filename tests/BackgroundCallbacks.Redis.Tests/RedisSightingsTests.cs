using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The sightings behind abandoned-job cancelling, as Redis holds them: one sorted set, written rarely. Fake time; the
/// test reads the set behind the store's back.
/// </summary>
public sealed class RedisSightingsTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_busy_poll_loop_writes_its_jobs_sighting_only_once_it_is_older_than_a_quarter_of_the_grace_and_an_ended_job_has_none()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var backend = await BackendHarness.CreateAsync(
            fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix, o => o.AbandonedJobGrace = TimeSpan.FromMinutes(2), time);
        var admission = JobStoreContractTests.NewAdmission();
        var jobId = admission.Record.JobId;
        await backend.Jobs.AdmitAsync(admission, None);
        var admitted = time.GetUtcNow().ToUnixTimeMilliseconds();
        var jobs = backend.Services.GetRequiredService<JobService>();
        var owner = new Owner(admission.Record.Owner, null, string.Empty);
        Assert.Equal(admitted, await backend.Db.SortedSetScoreAsync(prefix + "seen", jobId));

        // A poll every second for 20 s: a quarter of the 2 min grace is 30 s, so the admission's sighting stands.
        for (var second = 0; second < 20; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.NotNull(await jobs.FollowAsync(admission.Handle, owner, 0, TimeSpan.Zero, None));
        }

        var afterBusyLoop = await backend.Db.SortedSetScoreAsync(prefix + "seen", jobId);
        time.Advance(TimeSpan.FromSeconds(11));
        await jobs.FollowAsync(admission.Handle, owner, 0, TimeSpan.Zero, None);
        var renewed = await backend.Db.SortedSetScoreAsync(prefix + "seen", jobId);
        await backend.Jobs.DetachAsync(jobId, admission.FollowerId, CancelReasons.Requested, None);

        Assert.Equal(admitted, afterBusyLoop);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), renewed);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await backend.Db.SortedSetScoreAsync(prefix + "seen", jobId) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the ended job's sighting was not dropped");
            await Task.Delay(20);
        }
    }
}
