using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// A fake clock that tells a test when code under test starts a timer of a given length: a long poll starts one each
/// time it parks, so a test can tell "it is waiting again" from "it answered" without sleeping.
/// </summary>
public sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Started)> _watches = [];

    /// <summary>A task that completes when the next timer due after <paramref name="dueTime"/> is created.</summary>
    public Task NextTimer(TimeSpan dueTime)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _watches.Add((dueTime, started));
        }

        return started.Task;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_lock)
        {
            foreach (var watch in _watches.Where(w => w.DueTime == dueTime).ToArray())
            {
                _watches.Remove(watch);
                watch.Started.TrySetResult();
            }
        }

        return timer;
    }
}
