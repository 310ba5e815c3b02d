using BackgroundCallbacks.Queueing;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public class ScheduledPromotionTests
{
    [Fact]
    public async Task A_scheduled_entry_is_moved_to_its_queue_by_the_process_that_scheduled_it_when_it_is_due()
    {
        // Hangfire stamps the due time by the real clock, so the fake one starts there. No server runs: no schedule poll.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var queue = HangfireJobQueue.InMemory(time);
        var monitor = queue.Storage.GetMonitoringApi();

        await queue.ScheduleAsync("job.default", "callbacks", TimeSpan.FromSeconds(30), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(29));
        var beforeDue = (monitor.ScheduledCount(), monitor.EnqueuedCount("callbacks"));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal((1L, 0L), beforeDue);
        Assert.Equal(0, monitor.ScheduledCount());
        Assert.Equal(1, monitor.EnqueuedCount("callbacks"));
    }
}
