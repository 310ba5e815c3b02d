using System.Collections.Concurrent;
using ModelContextProtocol;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>Keeps a tool call's progress notifications in arrival order, and lets a test wait for the next one.</summary>
public sealed class ProgressLog : IProgress<ProgressNotificationValue>
{
    private readonly ConcurrentQueue<ProgressNotificationValue> _values = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _added = NewSignal();

    public IReadOnlyList<ProgressNotificationValue> Values => _values.ToArray();

    public void Report(ProgressNotificationValue value)
    {
        TaskCompletionSource added;
        lock (_lock)
        {
            _values.Enqueue(value);
            added = _added;
            _added = NewSignal();
        }

        added.TrySetResult();
    }

    /// <summary>
    /// Waits until <paramref name="count"/> notifications have arrived. Fails at once when <paramref name="call"/> ends
    /// first (its result came without them), else at the deadline.
    /// </summary>
    public async Task WaitForCountAsync(int count, Task call, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task added;
            lock (_lock)
            {
                if (_values.Count >= count)
                {
                    return;
                }

                added = _added.Task;
            }

            if (call.IsCompleted)
            {
                throw new InvalidOperationException($"The call ended after {_values.Count} of {count} progress notifications: {Outcome(call)}");
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Only {_values.Count} of {count} progress notifications arrived in {timeout}.");
            }

            await Task.WhenAny(added, call, Task.Delay(remaining));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How an ended call ended, for the failure message: its error, or the result's text and structured content.</summary>
    private static string Outcome(Task call) => call switch
    {
        { IsFaulted: true } => "threw " + call.Exception!.GetBaseException(),
        { IsCanceled: true } => "cancelled",
        Task<ModelContextProtocol.Protocol.CallToolResult> { Result: var result } =>
            System.Text.Json.JsonSerializer.Serialize(result),
        _ => "completed",
    };
}
