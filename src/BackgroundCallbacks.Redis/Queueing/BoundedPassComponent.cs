using Hangfire.Server;

namespace BackgroundCallbacks.Redis.Queueing;

#pragma warning disable CS0618 // Hangfire.Redis.StackExchange still gives its watchers as IServerComponent.

/// <summary>
/// Runs the storage's fetched-jobs watcher, whose pass ends in a fixed wait on its token, every
/// <paramref name="period"/> (by cancelling a token of its own; Hangfire's loop then starts the next pass), together
/// with our <see cref="LostFetchWatcher"/>. Both only ever act on jobs in a queue's dequeued list, so a pass first asks
/// whether any such list holds a job (<see cref="LostFetchWatcher.Probe"/>, which also wakes a worker for jobs left
/// waiting) and, when none does (an idle system), skips both: a few commands instead of a lock per queue. The
/// watchers' own logic runs unchanged.
/// </summary>
internal sealed class BoundedPassComponent(IServerComponent inner, TimeSpan period, LostFetchWatcher lostFetches) : IServerComponent
{
    public void Execute(CancellationToken cancellationToken)
    {
        using var pass = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pass.CancelAfter(period);
        if (!lostFetches.Probe())
        {
            pass.Token.WaitHandle.WaitOne();
            return;
        }

        lostFetches.TryPass();
        inner.Execute(pass.Token);
    }

    public override string ToString() => inner.ToString() ?? nameof(BoundedPassComponent);
}
