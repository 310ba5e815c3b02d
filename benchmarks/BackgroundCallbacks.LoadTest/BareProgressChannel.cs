namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The baseline's long poll in the web process: a subscription held for the process's life keeps the last message
/// and a numbered sequence, and a request waits for a message newer than the one it has seen, as a library long poll
/// waits for a version newer than its <c>after</c>.
/// </summary>
internal sealed class BareProgressChannel
{
    private readonly Lock _lock = new();
    private long _sequence;
    private string _payload = "";
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(string payload)
    {
        TaskCompletionSource arrived;
        lock (_lock)
        {
            _sequence++;
            _payload = payload;
            arrived = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }

    /// <summary>The newest message once its number is above <paramref name="after"/>, or whatever is newest when the wait runs out.</summary>
    public async Task<(long Sequence, string Payload)> WaitAsync(long after, TimeSpan wait, CancellationToken cancellationToken)
    {
        Task next;
        lock (_lock)
        {
            if (_sequence > after)
            {
                return (_sequence, _payload);
            }

            next = _next.Task;
        }

        try
        {
            await next.WaitAsync(wait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Answer with what there is, as a long poll does when its wait runs out.
        }

        lock (_lock)
        {
            return (_sequence, _payload);
        }
    }
}
