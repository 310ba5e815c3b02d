using System.Reflection;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Redis.Jobs;
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
        var jobs = Service(store, time);
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

    [Fact]
    public async Task A_small_progress_report_answers_a_waiting_follow_from_its_change_message_as_a_read_would()
    {
        var wait = TimeSpan.FromSeconds(30);
        await using var p = await ParkAsync();
        var (sut, counter, jobs, owner, a, attempt, running, follow, readsBeforeReport) = p;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["""[{"value":"a:1"}]"""], [], CancellationToken.None);
        var told = await follow.WaitAsync(TimeSpan.FromSeconds(10));
        var readsAfterReport = counter.Reads;
        var read = await jobs.FollowAsync(a.Handle, owner, running.Version, TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(told);

        // A report with a side update, or too large for a message, is read as before.
        var parkedAgain = p.Time.NextTimer(wait);
        var followAgain = jobs.FollowAsync(a.Handle, owner, told.Version, wait, CancellationToken.None).AsTask();
        await parkedAgain.WaitAsync(TimeSpan.FromSeconds(10));
        var readsBeforeLarge = counter.Reads;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[\"" + new string('x', 600) + "\"]"], [], CancellationToken.None);
        var large = await followAgain.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(readsBeforeReport, readsAfterReport);
        Assert.Equal(read! with { ProgressReports = [], SideUpdates = [] }, told with { ProgressReports = [], SideUpdates = [] }, new ViewFields());
        Assert.Empty(read.SideUpdates);
        Assert.Empty(told.SideUpdates);
        Assert.Equal("""[{"value":"a:1"}]""", told.ProgressJson);
        Assert.Equal(running.Version + 1, told.ProgressVersion);
        Assert.Equal(readsBeforeLarge + 1, counter.Reads);
        Assert.Equal(604, large!.ProgressJson!.Length);
    }

    [Fact]
    public async Task A_success_with_small_outputs_answers_a_waiting_follow_from_its_change_message_as_a_read_would()
    {
        // Progress and a side update before the end: the answer must carry the progress version a read gives.
        await using var p = await ParkAsync((store, a, attempt) => store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]"], [new("box", """{"children":"x"}""")], CancellationToken.None));
        var (sut, counter, jobs, owner, a, attempt, running, follow, readsBeforeEnd) = p;
        const string Outputs = """[{"a":"x:o:p\"q\":2:o[1]"},"é","v1:2:3"]""";
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded(Outputs), CancellationToken.None);
        var told = await follow.WaitAsync(TimeSpan.FromSeconds(10));
        var readsAfterEnd = counter.Reads;
        var read = await jobs.FollowAsync(a.Handle, owner, running.Version, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(readsBeforeEnd, readsAfterEnd);
        Assert.NotNull(told);
        Assert.Equal(JobStatus.Succeeded, told.Status);
        Assert.Equal(running.Version + 1, told.Version);
        Assert.Equal(Outputs, told.OutputsJson);
        Assert.Equal(running.ProgressVersion, told.ProgressVersion);
        Assert.NotNull(read);
        Assert.Equal(read, told, new ViewFields());
        Assert.Equal(read.SideUpdates, told.SideUpdates);
        Assert.Equal(read.ProgressReports, told.ProgressReports);
    }

    [Fact]
    public async Task A_success_answers_a_follower_that_takes_the_progress_log_from_its_change_message_as_a_read_would()
    {
        await using var p = await ParkAsync((store, a, attempt) => store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]", "[2]"], [], CancellationToken.None), withProgressLog: true);
        var (sut, counter, jobs, owner, a, attempt, running, follow, readsBeforeEnd) = p;
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[3]"), CancellationToken.None);
        var told = await follow.WaitAsync(TimeSpan.FromSeconds(10));
        var readsAfterEnd = counter.Reads;
        var read = await jobs.FollowAsync(a.Handle, owner, running.Version, TimeSpan.Zero, CancellationToken.None, withProgressLog: true);

        Assert.Equal(readsBeforeEnd, readsAfterEnd);
        Assert.NotNull(told);
        Assert.NotNull(read);
        Assert.Equal("[3]", told.OutputsJson);
        Assert.Equal(read, told, new ViewFields());
        Assert.Equal(read.ProgressReports, told.ProgressReports);
        Assert.Equal(read.SideUpdates, told.SideUpdates);
    }

    [Fact]
    public async Task A_success_with_small_outputs_reaches_an_event_stream_from_its_change_message_as_a_read_would()
    {
        var heartbeat = TimeSpan.FromSeconds(17);
        var time = new TimerWatchingTimeProvider();
        await using var started = await StartAsync(time);
        var (sut, counter, jobs, owner, a, attempt) = started;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]"], [new("box", """{"children":"x"}""")], CancellationToken.None);
        await using var items = new JobFeed(jobs, time).FollowAsync([a.Handle], owner, [0], heartbeat, CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        Assert.Equal(JobFeedItemKind.Opened, items.Current.Kind);
        Assert.True(await items.MoveNextAsync());
        var running = items.Current.View!;
        Assert.Equal("[1]", running.ProgressJson);
        Assert.Single(running.SideUpdates);

        var parked = time.NextTimer(heartbeat);
        var next = items.MoveNextAsync().AsTask();
        await parked.WaitAsync(TimeSpan.FromSeconds(10));
        var readsBeforeEnd = counter.Reads;
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("""["a:2:o",{"p":"\"q\""}]"""), CancellationToken.None);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        var told = items.Current;
        var readsAfterEnd = counter.Reads;
        Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        var end = items.Current.Kind;
        var read = await jobs.FollowAsync(a.Handle, owner, running.Version, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(readsBeforeEnd, readsAfterEnd);
        Assert.Equal(JobFeedItemKind.Job, told.Kind);
        Assert.NotNull(told.View);
        Assert.NotNull(read);
        Assert.Equal(JobStatus.Succeeded, told.View.Status);
        Assert.Equal([told.View.Version], told.Delivered);
        Assert.Equal(read, told.View, new ViewFields());
        Assert.Equal(read.SideUpdates, told.View.SideUpdates);
        Assert.Equal(read.ProgressReports, told.View.ProgressReports);
        Assert.Equal(JobFeedItemKind.End, end);
    }

    [Fact]
    public async Task A_success_with_outputs_over_the_message_limit_is_read_as_before()
    {
        await using var p = await ParkAsync();
        var (sut, counter, _, _, a, attempt, _, follow, readsBeforeEnd) = p;

        // One byte over the limit (the 'é' is two bytes in UTF-8, one char): the limit counts bytes, as the message does.
        var outputs = "[\"é" + new string('x', RedisJobStore.OutputsInMessageLimit - 5) + "\"]";
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded(outputs), CancellationToken.None);
        var ended = await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RedisJobStore.OutputsInMessageLimit + 1, System.Text.Encoding.UTF8.GetByteCount(outputs));
        Assert.Equal(readsBeforeEnd + 1, counter.Reads);
        Assert.Equal(JobStatus.Succeeded, ended!.Status);
        Assert.Equal(outputs, ended.OutputsJson);
    }

    [Fact]
    public async Task A_failure_is_read_as_before()
    {
        await using var p = await ParkAsync();
        var (sut, counter, _, _, a, attempt, _, follow, readsBeforeEnd) = p;
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Failed("boom"), CancellationToken.None);
        var ended = await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(readsBeforeEnd + 1, counter.Reads);
        Assert.Equal(JobStatus.Failed, ended!.Status);
        Assert.Equal("boom", ended.Error);
    }

    /// <summary>
    /// A job admitted and started (after <paramref name="before"/>, given the store and the attempt), read once at its
    /// version, and a long poll parked on it after that version, with the store's reads counted from there.
    /// </summary>
    private async Task<Parked> ParkAsync(Func<IJobStore, Admission, int, ValueTask>? before = null, bool withProgressLog = false)
    {
        var wait = TimeSpan.FromSeconds(30);
        var time = new TimerWatchingTimeProvider();
        var (sut, counter, jobs, owner, a, attempt) = await StartAsync(time);
        if (before is not null)
        {
            await before(sut.Store, a, attempt);
        }

        var running = await jobs.FollowAsync(a.Handle, owner, 0, TimeSpan.Zero, CancellationToken.None, withProgressLog: withProgressLog);
        var parked = time.NextTimer(wait);
        var follow = jobs.FollowAsync(a.Handle, owner, running!.Version, wait, CancellationToken.None, withProgressLog: withProgressLog).AsTask();
        await parked.WaitAsync(TimeSpan.FromSeconds(10));
        return new Parked(sut, counter, jobs, owner, a, attempt, running, follow, counter.Reads) { Time = time };
    }

    /// <summary>A job admitted and started on a fresh store, with a job service over it whose reads are counted.</summary>
    private async Task<Started> StartAsync(TimerWatchingTimeProvider time)
    {
        var sut = await CreateStoreAsync(time);
        var store = CountingStore.Over(sut.Store, out var counter);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, CancellationToken.None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run", CancellationToken.None)).Attempt;
        return new Started(sut, counter, Service(store, time), new Owner(a.Record.Owner, null, string.Empty), a, attempt);
    }

    private sealed record Started(StoreUnderTest Sut, CountingStore Counter, JobService Jobs, Owner Owner, Admission Admission, int Attempt) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Sut.DisposeAsync();
    }

    private sealed record Parked(StoreUnderTest Sut, CountingStore Counter, JobService Jobs, Owner Owner, Admission Admission, int Attempt, JobView Running, Task<JobView?> Follow, int ReadsBefore) : IAsyncDisposable
    {
        /// <summary>The clock of the store and the service, to park another wait on.</summary>
        public TimerWatchingTimeProvider Time { get; init; } = null!;

        public ValueTask DisposeAsync() => Sut.DisposeAsync();
    }

    private static JobService Service(IJobStore store, TimeProvider time)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new BackgroundCallbacksOptions { ScanEntryAssembly = false });
        return new JobService(new CallbackManagers(options, new SingleBackendProvider(store)), new CallbackRegistry(new CallbackSources(), options), time);
    }

    /// <summary>Views alike in every field but their lists, which the test compares apart.</summary>
    private sealed class ViewFields : IEqualityComparer<JobView>
    {
        private static readonly IReadOnlyList<ProgressReport> NoReports = [];
        private static readonly IReadOnlyList<SideUpdate> NoUpdates = [];

        public bool Equals(JobView? x, JobView? y) =>
            x is not null && y is not null
            && x with { ProgressReports = NoReports, SideUpdates = NoUpdates } == y with { ProgressReports = NoReports, SideUpdates = NoUpdates };

        public int GetHashCode(JobView obj) => obj.Version.GetHashCode();
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
