namespace BackgroundCallbacks.Jobs;

/// <summary>One long poll's wait for the next change of a job; disposing it stops waiting.</summary>
internal sealed class ChangeWaiter(JobChangeNotifier notifier, string jobId) : IDisposable
{
    private readonly TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string JobId { get; } = jobId;

    public Task Changed => _changed.Task;

    public void Wake() => _changed.TrySetResult();

    public void Dispose() => notifier.Remove(this);
}
