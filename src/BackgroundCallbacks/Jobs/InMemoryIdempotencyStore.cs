using System.Collections.Concurrent;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The embedded backend's <c>Idempotency-Key</c> records: a dictionary whose entries expire at a fixed time, read lazily
/// and swept once a minute so that keys nobody retries do not stay.
/// </summary>
internal sealed class InMemoryIdempotencyStore : IIdempotencyStore, IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public InMemoryIdempotencyStore(TimeProvider time)
    {
        _time = time;
        _sweeper = time.CreateTimer(static state => ((InMemoryIdempotencyStore)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    internal int Count => _entries.Count;

    public ValueTask<string?> ReserveAsync(string key, string reservation, TimeSpan hold, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var mine = new Entry(reservation, now + hold);
        while (true)
        {
            var held = _entries.GetOrAdd(key, mine);
            if (ReferenceEquals(held, mine))
            {
                return ValueTask.FromResult<string?>(null);
            }

            if (held.ExpiresAt > now)
            {
                return ValueTask.FromResult<string?>(held.Value);
            }

            // Expired: only one of the callers that saw it removes it, and the loop lets exactly one of them add theirs.
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, held));
        }
    }

    public ValueTask SetAsync(string key, string record, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        _entries[key] = new Entry(record, _time.GetUtcNow() + lifetime);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        _entries.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(string Value, DateTimeOffset ExpiresAt);
}
