using System.Collections.Concurrent;

namespace BackgroundCallbacks.Http;

/// <summary>How many uploads each owner has in flight in this process, against <see cref="BackgroundCallbacksOptions.MaxConcurrentUploadsPerOwner"/>.</summary>
internal sealed class UploadGate
{
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    /// <summary>The uploads in flight in this process, all owners together.</summary>
    internal int InFlight => _inFlight.Values.Sum();

    public bool TryEnter(string owner, int limit)
    {
        while (true)
        {
            var current = _inFlight.GetValueOrDefault(owner);
            if (current >= limit)
            {
                return false;
            }

            if (current == 0 ? _inFlight.TryAdd(owner, 1) : _inFlight.TryUpdate(owner, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Leave(string owner)
    {
        while (true)
        {
            var current = _inFlight.GetValueOrDefault(owner);
            if (current <= 1 ? _inFlight.TryRemove(new KeyValuePair<string, int>(owner, current)) : _inFlight.TryUpdate(owner, current - 1, current))
            {
                return;
            }
        }
    }
}
