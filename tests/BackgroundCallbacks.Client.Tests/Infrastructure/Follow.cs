using BackgroundCallbacks.Client;

namespace BackgroundCallbacks.Client.Tests.Infrastructure;

/// <summary>Collects a follow's updates within a deadline, so a job that never ends fails the test instead of hanging it.</summary>
public static class Follow
{
    public static async Task<List<JobUpdate>> AllAsync(IAsyncEnumerable<JobUpdate> updates, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var list = new List<JobUpdate>();
        await foreach (var update in updates.WithCancellation(deadline.Token))
        {
            list.Add(update);
        }

        return list;
    }
}
