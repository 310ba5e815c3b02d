using System.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Every store call fails, with the core's 503 exception, while Redis cannot be reached, rather than waiting for it.
/// Asserted is that no call is held (each ends long before the 30 s its wait or a retry loop would take); how fast
/// they fail (about the 1 s operation timeout) is printed for the reader, never asserted.
/// </summary>
public sealed class UnreachableRedisTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NotHeld = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Store_calls_fail_with_BackendUnavailable_and_none_is_held_while_Redis_is_down()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backend = await BackendHarness.CreateAsync(redis.ConnectionString);
        var admission = JobStoreContractTests.NewAdmission();
        await backend.Jobs.AdmitAsync(admission, CancellationToken.None);
        var jobs = backend.Services.GetRequiredService<JobService>();
        var owner = new Owner(admission.Record.Owner, null, string.Empty);
        var waiting = jobs.FollowAsync(admission.Handle, owner, 1, TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Jobs.Changes.WaitersOf(admission.Record.JobId) == 1);

        await redis.KillAsync();

        // A long poll that was waiting when Redis went away is answered (with the error) rather than left hanging.
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<BackendUnavailableException>(() => waiting.WaitAsync(NotHeld));
        output.WriteLine($"The waiting poll (30 s wait) failed after {clock.Elapsed.TotalMilliseconds:F0} ms.");

        await AssertFailsFastAsync(async () => await backend.Jobs.ReadAsync(admission.Record.JobId, admission.FollowerId, 0, CancellationToken.None));
        await AssertFailsFastAsync(async () => await backend.Jobs.AdmitAsync(JobStoreContractTests.NewAdmission(), CancellationToken.None));
        await AssertFailsFastAsync(async () => await jobs.FollowAsync(admission.Handle, owner, 1, TimeSpan.FromSeconds(30), CancellationToken.None));
        await AssertFailsFastAsync(async () => await jobs.CancelAsync(admission.Handle, owner, CancellationToken.None));
        await AssertFailsFastAsync(async () => await backend.Jobs.ReplaceSlotAsync("slot", admission.Handle, CancellationToken.None));
        await AssertFailsFastAsync(async () => await backend.Jobs.AcknowledgeAsync(admission.Handle, CancellationToken.None));
        await AssertFailsFastAsync(async () => await backend.Results.GetAsync("k", TimeSpan.FromMinutes(1), CancellationToken.None));
        await AssertFailsFastAsync(async () => await backend.Results.SetAsync("k", "[]", TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task A_backend_built_while_Redis_is_down_starts_and_works_once_Redis_is_up()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        var clock = Stopwatch.StartNew();
        await using var backend = await BackendHarness.CreateAsync(redis.ConnectionString, o => o.OperationTimeout = TimeSpan.FromSeconds(1));
        output.WriteLine($"Building the backend with Redis down took {clock.Elapsed.TotalMilliseconds:F0} ms.");
        await AssertFailsFastAsync(async () => await backend.Jobs.AdmitAsync(JobStoreContractTests.NewAdmission(), CancellationToken.None));

        await redis.RestartAsync();
        var admission = JobStoreContractTests.NewAdmission();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await backend.Jobs.AdmitAsync(admission, CancellationToken.None);
                break;
            }
            catch (BackendUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        // The change subscription that could not be made at start is made on reconnection: polls wake again.
        var attempt = (await backend.Jobs.TryStartAsync(admission.Record.JobId, "run", CancellationToken.None)).Attempt;
        var owner = new Owner(admission.Record.Owner, null, string.Empty);
        var waiting = backend.Services.GetRequiredService<JobService>().FollowAsync(admission.Handle, owner, 2, TimeSpan.FromSeconds(20), CancellationToken.None).AsTask();
        await WaitUntilSubscribedAsync(backend, admission.Record.JobId);
        await backend.Jobs.AppendUpdatesAsync(admission.Record.JobId, attempt, ["[1]"], [], CancellationToken.None);
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("[1]", changed!.ProgressJson);
    }

    private static async Task WaitUntilSubscribedAsync(BackendHarness backend, string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var channel = new Connections.RedisKeys(backend.Options.KeyPrefix).ChangesName(jobId);
        while ((long)(await backend.Db.ExecuteAsync("PUBSUB", "NUMSUB", channel))[1] == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The store never subscribed to job changes.");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition never held.");
            await Task.Delay(10);
        }
    }

    private async Task AssertFailsFastAsync(Func<Task> call)
    {
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<BackendUnavailableException>(() => call().WaitAsync(NotHeld));
        output.WriteLine($"A store call failed after {clock.Elapsed.TotalMilliseconds:F0} ms.");
    }
}
