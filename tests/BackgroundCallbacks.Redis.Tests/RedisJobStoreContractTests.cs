using System.Reflection;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The Redis job store keeps the store contract, atomically, in a real Redis: the same cases as the embedded store's.</summary>
public sealed class RedisJobStoreContractTests(RedisFixture fixture) : JobStoreContractTests, IClassFixture<RedisFixture>
{
    protected override async Task<StoreUnderTest> CreateStoreAsync(FakeTimeProvider time)
    {
        // A prefix of its own: each test starts with an empty store, outbox included, on the shared server.
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";
        var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix, o => o.AbandonedJobGrace = SightingsGrace, time: time);
        return new StoreUnderTest(backend.Jobs, backend.DisposeAsync);
    }

    [Fact]
    public async Task A_start_answers_a_waiting_follow_from_its_change_message_without_reading_the_job_again()
    {
        var wait = TimeSpan.FromSeconds(30);
        var time = new TimerWatchingTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var store = CountingStore.Over(sut.Store, out var counter);
        var options = Microsoft.Extensions.Options.Options.Create(new BackgroundCallbacksOptions { ScanEntryAssembly = false });
        var jobs = new JobService(new CallbackManagers(options, new SingleBackendProvider(store)), new CallbackRegistry(new CallbackSources(), options), time);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, CancellationToken.None);

        var parked = time.NextTimer(wait);
        var follow = jobs.FollowAsync(a.Handle, new Owner(a.Record.Owner, null, string.Empty), 1, wait, CancellationToken.None).AsTask();
        await parked.WaitAsync(TimeSpan.FromSeconds(10));
        var readsBeforeStart = counter.Reads;
        await sut.Store.TryStartAsync(a.Record.JobId, "run", CancellationToken.None);
        var view = await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(JobStatus.Running, view!.Status);
        Assert.Equal(2, view.Version);
        Assert.Equal(1, readsBeforeStart);
        Assert.Equal(readsBeforeStart, counter.Reads);
    }

    /// <summary>Counts the reads that reach the store.</summary>
    public class CountingStore : DispatchProxy
    {
        private IJobStore _inner = null!;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        internal static IJobStore Over(IJobStore inner, out CountingStore counter)
        {
            var proxy = Create<IJobStore, CountingStore>();
            counter = (CountingStore)(object)proxy;
            counter._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IJobStore.ReadAsync))
            {
                Interlocked.Increment(ref _reads);
            }

            return targetMethod.Invoke(_inner, args);
        }
    }
}
