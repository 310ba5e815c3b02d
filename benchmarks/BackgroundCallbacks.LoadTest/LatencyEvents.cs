using System.Collections.Concurrent;
using System.Globalization;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The driver's view of what the worker process reports on <see cref="LatencyChannels.Events"/>: "kind|n" or
/// "kind|n|timestamp". A waiter and the message may come in either order; each key is awaited once.
/// </summary>
internal sealed class LatencyEvents
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _slots = new(StringComparer.Ordinal);

    public void Add(string message)
    {
        var parts = message.Split('|');
        if (parts.Length < 2)
        {
            return;
        }

        var timestamp = parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        Slot(parts[0] + "|" + parts[1]).TrySetResult(timestamp);
    }

    /// <summary>The timestamp of the event "kind|n" (0 for an event without one); throws when it has not come within the timeout.</summary>
    public async Task<long> WaitAsync(string kind, long n, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{kind}|{n}");
        try
        {
            return await Slot(key).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the worker did not report '{key}' within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            _slots.TryRemove(key, out _);
        }
    }

    private TaskCompletionSource<long> Slot(string key) =>
        _slots.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
}
