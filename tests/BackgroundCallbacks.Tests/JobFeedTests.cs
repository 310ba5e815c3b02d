using System.Collections.Concurrent;
using System.Reflection;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// The feed over the embedded store, with queue positions laid on its views by the test (as the line's store does) and
/// a fake clock: what is news, and what a heartbeat does.
/// </summary>
public sealed class JobFeedTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(13);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_new_queue_position_is_news_though_the_version_is_unchanged()
    {
        await using var feed = await FeedUnderTest.StartAsync(position: 3);
        var first = await feed.NextAsync();
        Assert.Equal(JobFeedItemKind.Job, first.Kind);
        Assert.Equal(3, first.View!.Position);

        var parked = feed.Time.NextTimer(Heartbeat);
        var next = feed.NextAsync();
        await parked.WaitAsync(Patience);
        feed.Positions[feed.JobId] = 2;
        feed.Store.Changes.Signal(feed.JobId, canceled: false);
        var moved = await next;

        Assert.Equal(JobFeedItemKind.Job, moved.Kind);
        Assert.Equal(2, moved.View!.Position);
        Assert.Equal(first.View.Version, moved.View.Version);

        // A wake-up with nothing new delivers nothing: the feed parks again, and the next item is the heartbeat.
        parked = feed.Time.NextTimer(Heartbeat);
        next = feed.NextAsync();
        await parked.WaitAsync(Patience);
        var parkedAgain = feed.Time.NextTimer(Heartbeat);
        feed.Store.Changes.Signal(feed.JobId, canceled: false);
        await parkedAgain.WaitAsync(Patience);
        Assert.False(next.IsCompleted, "a wake-up with nothing new delivered something");
        feed.Time.Advance(Heartbeat);
        Assert.Equal(JobFeedItemKind.Heartbeat, (await next).Kind);
    }

    [Fact]
    public async Task A_change_whose_message_was_lost_is_delivered_at_the_next_heartbeat_instead_of_a_ping()
    {
        await using var feed = await FeedUnderTest.StartAsync(position: null);
        var first = await feed.NextAsync();
        Assert.Null(first.View!.Position);

        var parked = feed.Time.NextTimer(Heartbeat);
        var next = feed.NextAsync();
        await parked.WaitAsync(Patience);
        feed.Positions[feed.JobId] = 5;
        feed.Time.Advance(Heartbeat);
        var found = await next;

        Assert.Equal(JobFeedItemKind.Job, found.Kind);
        Assert.Equal(5, found.View!.Position);
    }

    /// <summary>One queued job of the embedded store followed by a feed, item by item.</summary>
    private sealed class FeedUnderTest : IAsyncDisposable
    {
        private readonly InMemoryJobStore _inner;
        private readonly CancellationTokenSource _stop = new();
        private IAsyncEnumerator<JobFeedItem> _items = null!;

        private FeedUnderTest()
        {
            _inner = new InMemoryJobStore(Time, Options.Create(new BackgroundCallbacksOptions()));
            Store = PositionedStore.Over(_inner, Positions);
        }

        public TimerWatchingTimeProvider Time { get; } = new();

        public ConcurrentDictionary<string, int> Positions { get; } = new();

        public IJobStore Store { get; }

        public string JobId { get; private set; } = "";

        public static async Task<FeedUnderTest> StartAsync(int? position)
        {
            var sut = new FeedUnderTest();
            var admission = JobStoreContractTests.NewAdmission();
            await sut.Store.AdmitAsync(admission, default);
            sut.JobId = admission.Record.JobId;
            if (position is { } p)
            {
                sut.Positions[sut.JobId] = p;
            }

            var options = Options.Create(new BackgroundCallbacksOptions { ScanEntryAssembly = false });
            var jobs = new JobService(new CallbackManagers(options, new SingleBackendProvider(sut.Store)), new CallbackRegistry(new CallbackSources(), options), sut.Time);
            var owner = new Owner(admission.Record.Owner, null, string.Empty);
            sut._items = new JobFeed(jobs, sut.Time).FollowAsync([admission.Handle], owner, [0], Heartbeat, sut._stop.Token).GetAsyncEnumerator();
            Assert.Equal(JobFeedItemKind.Opened, (await sut.NextAsync()).Kind);
            return sut;
        }

        public async Task<JobFeedItem> NextAsync()
        {
            Assert.True(await _items.MoveNextAsync().AsTask().WaitAsync(Patience), "the feed ended");
            return _items.Current;
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try
            {
                await _items.DisposeAsync();
            }
            finally
            {
                _inner.Dispose();
                _stop.Dispose();
            }
        }
    }

    /// <summary>The store with a queue position laid on each view it reads, as a store that keeps lines would.</summary>
    public class PositionedStore : DispatchProxy
    {
        private IJobStore _inner = null!;
        private ConcurrentDictionary<string, int> _positions = null!;

        internal static IJobStore Over(IJobStore inner, ConcurrentDictionary<string, int> positions)
        {
            var proxy = Create<IJobStore, PositionedStore>();
            var store = (PositionedStore)(object)proxy;
            (store._inner, store._positions) = (inner, positions);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var result = targetMethod!.Invoke(_inner, args);
            return targetMethod.Name == nameof(IJobStore.ReadAsync) ? new ValueTask<JobView?>(WithPositionAsync((ValueTask<JobView?>)result!)) : result;
        }

        private async Task<JobView?> WithPositionAsync(ValueTask<JobView?> read)
        {
            var view = await read;
            return view is not null && _positions.TryGetValue(view.JobId, out var position) ? view with { Position = position } : view;
        }
    }
}
