using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Caching;

/// <summary>
/// The embedded result cache: a dictionary whose entries expire a fixed time after their last read or write, and
/// whose total size is bounded by <see cref="BackgroundCallbacksOptions.ResultCacheSizeLimit"/>. When a write takes
/// it over the limit, the least recently used entries go first, down to nine tenths of the limit so that a full cache
/// does not sort on every write. An entry larger than the whole limit is not kept. Generations are counters in this
/// process, one per callback ever evicted (so bounded by the registry); evicting everything also empties the dictionary
/// at once, since here that costs nothing.
/// </summary>
internal sealed class InMemoryResultStore : IResultStore, IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly Lock _writes = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly long _limit;
    private long _size;
    private long _generation;

    public InMemoryResultStore(TimeProvider time, IOptions<BackgroundCallbacksOptions> options)
    {
        _time = time;
        _limit = options.Value.ResultCacheSizeLimit;
        _sweeper = time.CreateTimer(static state => ((InMemoryResultStore)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    /// <summary>The bytes the entries take now, as counted against the limit.</summary>
    internal long Size => Interlocked.Read(ref _size);

    internal int Count => _entries.Count;

    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }

        var now = _time.GetUtcNow();
        if (entry.ExpiresAt(slidingExpiry) <= now)
        {
            lock (_writes)
            {
                Remove(key, entry);
            }

            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }

        entry.LastUsed = now;
        return ValueTask.FromResult<ReadOnlyMemory<byte>?>(entry.Outputs);
    }

    public ValueTask SetAsync(string key, string outputsJson, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var entry = new Entry(key, Encoding.UTF8.GetBytes(outputsJson), slidingExpiry, _time.GetUtcNow());
        lock (_writes)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                Remove(key, old);
            }

            // A result larger than the whole cache would only evict everything else and then itself.
            if (entry.Size > _limit)
            {
                return ValueTask.CompletedTask;
            }

            _entries[key] = entry;
            _size += entry.Size;
            if (_size > _limit)
            {
                Evict(_limit - (_limit / 10));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        lock (_writes)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                Remove(key, entry);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<CacheGeneration> GenerationAsync(string callbackId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CacheGeneration(Interlocked.Read(ref _generation), _generations.GetValueOrDefault(callbackId)));

    public ValueTask AdvanceAsync(string? callbackId, CancellationToken cancellationToken)
    {
        if (callbackId is not null)
        {
            _generations.AddOrUpdate(callbackId, 1, static (_, generation) => generation + 1);
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _generation);
        lock (_writes)
        {
            _entries.Clear();
            _size = 0;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The store lives and dies with its process, so every start is the only one that could clear it.</summary>
    public async ValueTask<bool> ClearOnStartupAsync(string manager, IReadOnlyCollection<string> callbackIds, TimeSpan window, CancellationToken cancellationToken)
    {
        foreach (var callbackId in callbackIds)
        {
            await AdvanceAsync(callbackId, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public void Dispose() => _sweeper.Dispose();

    private void Evict(long target)
    {
        foreach (var entry in _entries.Values.OrderBy(e => e.LastUsed))
        {
            if (_size <= target)
            {
                break;
            }

            Remove(entry.Key, entry);
        }
    }

    private void Remove(string key, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
        {
            _size -= entry.Size;
        }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        lock (_writes)
        {
            foreach (var pair in _entries)
            {
                if (pair.Value.ExpiresAt(pair.Value.Expiry) <= now)
                {
                    Remove(pair.Key, pair.Value);
                }
            }
        }
    }

    /// <summary>The outputs are kept as the UTF-8 a hit writes, so a hit neither decodes nor allocates them.</summary>
    private sealed class Entry(string key, byte[] outputs, TimeSpan expiry, DateTimeOffset lastUsed)
    {
        // The key is a UTF-16 string; the fixed part stands for the entry object, the array's header and the dictionary's node.
        private const int Overhead = 128;

        private long _lastUsedTicks = lastUsed.UtcTicks;

        public string Key { get; } = key;

        public ReadOnlyMemory<byte> Outputs { get; } = outputs;

        public TimeSpan Expiry { get; } = expiry;

        public long Size { get; } = Overhead + (2L * key.Length) + outputs.Length;

        public DateTimeOffset LastUsed
        {
            get => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _lastUsedTicks, value.UtcTicks);
        }

        public DateTimeOffset ExpiresAt(TimeSpan slidingExpiry) => LastUsed + slidingExpiry;
    }
}
