namespace BackgroundCallbacks.Jobs;

/// <summary>
/// A running job's wish to hear of its cancel. The callback runs once, on the thread pool, so a handler's code that
/// its token resumes never runs on, nor holds up, the thread that delivers Redis messages.
/// </summary>
internal sealed class CancelRegistration(JobChangeNotifier notifier, string jobId, Action onCancel) : IAsyncDisposable
{
    private int _done;

    public string JobId { get; } = jobId;

    public void Fire()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static callback => callback(), onCancel, preferLocal: false);
        }
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _done, 1);
        notifier.Remove(this);
        return ValueTask.CompletedTask;
    }
}
