namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>One long poll's wait for the next change of a job; disposing it stops waiting.</summary>
internal sealed class ChangeWaiter(JobChangeNotifier notifier, string handle) : IDisposable
{
    private readonly TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Handle { get; } = handle;

    public Task Changed => _changed.Task;

    public void Wake() => _changed.TrySetResult();

    public void Dispose() => notifier.Remove(this);
}
