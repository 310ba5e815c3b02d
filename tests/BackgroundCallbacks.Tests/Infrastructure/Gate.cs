namespace BackgroundCallbacks.Tests.Infrastructure;

/// <summary>Lets a test hold a handler at a point and know when it got there, without sleeping.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Open() => _opened.TrySetResult();

    /// <summary>Called by the handler: signals arrival, then waits for the test to open the gate (or the token to fire).</summary>
    public async Task PassAsync(CancellationToken cancellationToken = default)
    {
        _reached.TrySetResult();
        await _opened.Task.WaitAsync(cancellationToken);
    }

    public async Task WaitReachedAsync(TimeSpan? timeout = null) =>
        await Reached.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
}
