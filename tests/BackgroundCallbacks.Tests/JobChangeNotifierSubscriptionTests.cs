using BackgroundCallbacks.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// The notifier's per-job subscriptions, which a store whose changes come from elsewhere (Redis) relies on: one
/// subscription per watched job, confirmed before a read, released a linger after the last waiter left.
/// </summary>
public sealed class JobChangeNotifierSubscriptionTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    [Fact]
    public void The_first_waiter_of_a_job_subscribes_and_later_ones_share_its_subscription()
    {
        var channels = new FakeChannels();
        var notifier = channels.Notifier(new FakeTimeProvider());

        using var first = notifier.Watch("job-a");
        using var second = notifier.Watch("job-a");
        notifier.RegisterCancel("job-a", () => { });

        Assert.Equal(["job-a"], channels.Subscribed);
    }

    [Fact]
    public void The_subscription_waits_for_its_confirmation()
    {
        var channels = new FakeChannels();
        var notifier = channels.Notifier(new FakeTimeProvider());

        using var watch = notifier.Watch("job-a");
        var subscribed = notifier.SubscribedAsync("job-a");

        Assert.False(subscribed.IsCompleted);
        channels.Confirm("job-a");
        Assert.True(subscribed.IsCompletedSuccessfully);
        Assert.True(notifier.SubscribedAsync("job-b").IsCompletedSuccessfully);
    }

    [Fact]
    public void The_subscription_ends_once_the_last_waiter_left_and_the_linger_passed()
    {
        var time = new FakeTimeProvider();
        var channels = new FakeChannels();
        var notifier = channels.Notifier(time);
        var watch = notifier.Watch("job-a");
        channels.Confirm("job-a");

        watch.Dispose();
        time.Advance(Linger - TimeSpan.FromMilliseconds(1));
        Assert.Empty(channels.Unsubscribed);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["job-a"], channels.Unsubscribed);
        Assert.Equal(0, notifier.SubscriptionCount);
    }

    [Fact]
    public void A_waiter_that_comes_back_within_the_linger_keeps_the_subscription_without_subscribing_again()
    {
        var time = new FakeTimeProvider();
        var channels = new FakeChannels();
        var notifier = channels.Notifier(time);
        notifier.Watch("job-a").Dispose();
        channels.Confirm("job-a");

        time.Advance(Linger / 2);
        var again = notifier.Watch("job-a");
        time.Advance(Linger * 2);

        Assert.Empty(channels.Unsubscribed);
        Assert.Equal(["job-a"], channels.Subscribed);

        again.Dispose();
        time.Advance(Linger);
        Assert.Equal(["job-a"], channels.Unsubscribed);
    }

    [Fact]
    public void A_failed_subscription_is_made_again_when_asked_while_something_still_waits()
    {
        var channels = new FakeChannels();
        var notifier = channels.Notifier(new FakeTimeProvider());
        using var watch = notifier.Watch("job-a");
        channels.Fail("job-a");

        notifier.RetryFailedSubscriptions();

        Assert.Equal(["job-a", "job-a"], channels.Subscribed);
        Assert.False(notifier.SubscribedAsync("job-a").IsCompleted);
    }

    [Fact]
    public void A_new_waiter_of_a_job_whose_subscription_failed_subscribes_again()
    {
        var channels = new FakeChannels();
        var notifier = channels.Notifier(new FakeTimeProvider());
        using var watch = notifier.Watch("job-a");
        channels.Fail("job-a");

        using var next = notifier.Watch("job-a");

        Assert.Equal(["job-a", "job-a"], channels.Subscribed);
    }

    [Fact]
    public void Close_ends_every_subscription_and_makes_no_new_one()
    {
        var channels = new FakeChannels();
        var notifier = channels.Notifier(new FakeTimeProvider());
        using var watch = notifier.Watch("job-a");
        channels.Confirm("job-a");

        notifier.Close();
        using var late = notifier.Watch("job-b");

        Assert.Equal(["job-a"], channels.Unsubscribed);
        Assert.Equal(["job-a"], channels.Subscribed);
    }

    [Fact]
    public void Each_message_handled_is_counted()
    {
        var notifier = new JobChangeNotifier();

        notifier.Dispatch("vjob-a");
        notifier.Dispatch("cjob-b");

        Assert.Equal(2, notifier.MessagesReceived);
    }

    private sealed class FakeChannels
    {
        private readonly Dictionary<string, TaskCompletionSource<Func<Task>>> _pending = [];

        public List<string> Subscribed { get; } = [];

        public List<string> Unsubscribed { get; } = [];

        public JobChangeNotifier Notifier(TimeProvider time) => new(Subscribe, Linger, time);

        public void Confirm(string jobId) => _pending[jobId].SetResult(() =>
        {
            Unsubscribed.Add(jobId);
            return Task.CompletedTask;
        });

        public void Fail(string jobId) => _pending[jobId].SetException(new InvalidOperationException("Redis is away."));

        private Task<Func<Task>> Subscribe(string jobId)
        {
            Subscribed.Add(jobId);
            var confirmation = new TaskCompletionSource<Func<Task>>();
            _pending[jobId] = confirmation;
            return confirmation.Task;
        }
    }
}
