using System.Collections.Concurrent;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// Moves our scheduled entries (a callback's retry, or Hangfire's own retry of a run that could not reach the store)
/// to their queue when they are due, from the process that scheduled them. Hangfire's schedule poll then only covers a
/// process that stopped or died before then, so it can be slow and cheap while retries keep their short back-off. The
/// move expects the entry still scheduled, so it and the poll never both enqueue one entry.
/// </summary>
internal sealed class ScheduledPromotion(TimeProvider time) : IApplyStateFilter, IDisposable
{
    private readonly ConcurrentDictionary<ITimer, byte> _timers = new();
    private IBackgroundJobClient? _client;
    private bool _disposed;

    /// <summary>The client that moves entries: ours, whose filters include this one.</summary>
    public void Use(IBackgroundJobClient client) => _client = client;

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is not ScheduledState scheduled || Volatile.Read(ref _disposed))
        {
            return;
        }

        var due = new DateTimeOffset(DateTime.SpecifyKind(scheduled.EnqueueAt, DateTimeKind.Utc)) - time.GetUtcNow();
        var entry = new Entry(this, context.BackgroundJob.Id);
        entry.Timer = time.CreateTimer(static state => ((Entry)state!).Promote(), entry, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        _timers[entry.Timer] = 0;
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var timer in _timers.Keys)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    private sealed class Entry(ScheduledPromotion owner, string jobId)
    {
        public ITimer? Timer { get; set; }

        // On the timer's thread: Hangfire's client is synchronous, and a retry is rare, so it blocks one pool thread briefly.
        public void Promote()
        {
            if (Timer is { } timer && owner._timers.TryRemove(timer, out _))
            {
                timer.Dispose();
            }

            try
            {
                owner._client?.ChangeState(jobId, new EnqueuedState { Reason = "Due (moved by the process that scheduled it)" }, ScheduledState.StateName);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Storage away, or the entry gone: the schedule poll of any server moves it when it is due.
            }
        }
    }
}
