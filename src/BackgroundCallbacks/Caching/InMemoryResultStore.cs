using System.Collections.Concurrent;

namespace BackgroundCallbacks.Caching;

/// <summary>The embedded result cache: a dictionary whose entries expire a fixed time after their last read or write.</summary>
internal sealed class InMemoryResultStore : IResultStore, IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public InMemoryResultStore(TimeProvider time)
    {
        _time = time;
        _sweeper = time.CreateTimer(static state => ((InMemoryResultStore)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    public ValueTask<string?> GetAsync(string key, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return ValueTask.FromResult<string?>(null);
        }

        var now = _time.GetUtcNow();
        if (entry.ExpiresAt(slidingExpiry) <= now)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return ValueTask.FromResult<string?>(null);
        }

        entry.LastUsed = now;
        return ValueTask.FromResult<string?>(entry.OutputsJson);
    }

    public ValueTask SetAsync(string key, string outputsJson, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        _entries[key] = new Entry(outputsJson, slidingExpiry, _time.GetUtcNow());
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
            if (pair.Value.ExpiresAt(pair.Value.Expiry) <= now)
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed class Entry(string outputsJson, TimeSpan expiry, DateTimeOffset lastUsed)
    {
        private long _lastUsedTicks = lastUsed.UtcTicks;

        public string OutputsJson { get; } = outputsJson;

        public TimeSpan Expiry { get; } = expiry;

        public DateTimeOffset LastUsed
        {
            get => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _lastUsedTicks, value.UtcTicks);
        }

        public DateTimeOffset ExpiresAt(TimeSpan slidingExpiry) => LastUsed + slidingExpiry;
    }
}
