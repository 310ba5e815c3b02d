using System.Collections.Concurrent;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The embedded backend's <c>Idempotency-Key</c> records: a dictionary whose entries expire at a fixed time, read lazily
/// and swept once a minute so that keys nobody retries do not stay. Callers choose the keys, so the records are bounded
/// too: over <see cref="DefaultSizeLimit"/>, the answers closest to their expiry go first (never a reservation, which is
/// what stops a concurrent duplicate), down to nine tenths of the limit. A dropped answer only means that a late retry
/// is answered afresh.
/// </summary>
internal sealed class InMemoryIdempotencyStore : IIdempotencyStore, IDisposable
{
    public const long DefaultSizeLimit = 64L * 1024 * 1024;

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _trim = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly long _limit;
    private long _size;

    public InMemoryIdempotencyStore(TimeProvider time)
        : this(time, DefaultSizeLimit)
    {
    }

    internal InMemoryIdempotencyStore(TimeProvider time, long sizeLimit)
    {
        _time = time;
        _limit = sizeLimit;
        _sweeper = time.CreateTimer(static state => ((InMemoryIdempotencyStore)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    internal int Count => _entries.Count;

    internal long Size => Interlocked.Read(ref _size);

    public ValueTask<string?> ReserveAsync(string key, string reservation, TimeSpan hold, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var mine = new Entry(key, reservation, now + hold, reserved: true);
        while (true)
        {
            var held = _entries.GetOrAdd(key, mine);
            if (ReferenceEquals(held, mine))
            {
                Interlocked.Add(ref _size, mine.Size);
                return ValueTask.FromResult<string?>(null);
            }

            if (held.ExpiresAt > now)
            {
                return ValueTask.FromResult<string?>(held.Value);
            }

            // Expired: only one of the callers that saw it removes it, and the loop lets exactly one of them add theirs.
            Remove(held);
        }
    }

    public ValueTask SetAsync(string key, string record, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var entry = new Entry(key, record, _time.GetUtcNow() + lifetime, reserved: false);
        while (true)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                if (_entries.TryUpdate(key, entry, old))
                {
                    Interlocked.Add(ref _size, entry.Size - old.Size);
                    break;
                }
            }
            else if (_entries.TryAdd(key, entry))
            {
                Interlocked.Add(ref _size, entry.Size);
                break;
            }
        }

        if (Interlocked.Read(ref _size) > _limit)
        {
            Trim();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            Remove(entry);
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _sweeper.Dispose();

    private void Remove(Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(entry.Key, entry)))
        {
            Interlocked.Add(ref _size, -entry.Size);
        }
    }

    private void Trim()
    {
        lock (_trim)
        {
            Sweep();
            var target = _limit - (_limit / 10);
            foreach (var entry in _entries.Values.Where(e => !e.Reserved).OrderBy(e => e.ExpiresAt))
            {
                if (Interlocked.Read(ref _size) <= target)
                {
                    break;
                }

                Remove(entry);
            }
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var entry in _entries.Values)
        {
            if (entry.ExpiresAt <= now)
            {
                Remove(entry);
            }
        }
    }

    /// <summary>One record; its size counts the UTF-16 strings and a fixed part for the objects around them.</summary>
    private sealed class Entry(string key, string value, DateTimeOffset expiresAt, bool reserved)
    {
        private const int Overhead = 128;

        public string Key { get; } = key;

        public string Value { get; } = value;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public bool Reserved { get; } = reserved;

        public long Size { get; } = Overhead + (2L * (key.Length + value.Length));
    }
}
