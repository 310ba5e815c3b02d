using System.Collections.Concurrent;
using ModelContextProtocol;

namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>Keeps each progress notification as the client hands it over, in arrival order, with no synchronization context in between.</summary>
public sealed class ProgressLog : IProgress<ProgressNotificationValue>
{
    private readonly ConcurrentQueue<ProgressNotificationValue> _values = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ProgressNotificationValue> Values => _values.ToArray();

    /// <summary>Completes when the first notification has arrived.</summary>
    public Task First => _first.Task;

    public void Report(ProgressNotificationValue value)
    {
        _values.Enqueue(value);
        _first.TrySetResult();
    }
}
