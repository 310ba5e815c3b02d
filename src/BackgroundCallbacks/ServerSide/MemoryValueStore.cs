namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// The embedded store of server-side values: encoded bytes in chunks, bounded by a byte-size cap with least recently
/// used eviction (down to nine tenths of the cap, so a full store does not sort on every write), and a sliding expiry.
/// An id whose value went is remembered for a day, so its owner is told "expired" rather than "not found".
/// </summary>
internal sealed class MemoryValueStore : IValueStore, IDisposable
{
    /// <summary>How long an id is remembered after its value went.</summary>
    public static readonly TimeSpan ExpiredNotice = TimeSpan.FromDays(1);

    private const int MaxRemembered = 100_000;
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Gone> _gone = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly long _limit;
    private readonly TimeSpan _expiry;
    private readonly string _name;
    private long _size;

    public MemoryValueStore(string name, MemoryValueStoreOptions options, TimeProvider time)
    {
        _name = name;
        _limit = options.SizeLimit;
        _expiry = options.Expiry;
        _time = time;
        _sweeper = time.CreateTimer(static state => ((MemoryValueStore)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    /// <summary>The bytes the values' chunks take now.</summary>
    internal long Size
    {
        get
        {
            lock (_lock)
            {
                return _size;
            }
        }
    }

    public async Task WriteAsync(string id, string? owner, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var buffer = new ChunkWriteStream(_limit, size => new ValueTooLargeException(
            $"The value is more than {size} bytes; the store '{_name}' holds at most {_limit}."));
        await using (buffer.ConfigureAwait(false))
        {
            await write(buffer, cancellationToken).ConfigureAwait(false);
        }

        buffer.Trim();

        var entry = new Entry(id, owner, buffer.Chunks, buffer.Length, buffer.Capacity, _time.GetUtcNow());
        lock (_lock)
        {
            if (_entries.Remove(id, out var replaced))
            {
                _size -= replaced.Capacity;
            }

            _gone.Remove(id);
            _entries[id] = entry;
            _size += entry.Capacity;
            if (_size > _limit)
            {
                Evict(entry);
            }
        }
    }

    public Task<ValueLookup> LookupAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Touch(id) is { } entry ? new ValueLookup(ValueState.Present, entry.Owner) : Forgotten(id));

    public Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult<Stream?>(Touch(id) is { } entry ? new ChunkReadStream(entry.Chunks, entry.Length) : null);

    public void Dispose() => _sweeper.Dispose();

    private Entry? Touch(string id)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                return null;
            }

            if (now - entry.LastUsed >= _expiry)
            {
                Forget(entry, now);
                return null;
            }

            entry.LastUsed = now;
            return entry;
        }
    }

    private ValueLookup Forgotten(string id)
    {
        lock (_lock)
        {
            return _gone.TryGetValue(id, out var gone) && _time.GetUtcNow() - gone.At < ExpiredNotice
                ? new ValueLookup(ValueState.Expired, gone.Owner)
                : ValueLookup.Missing;
        }
    }

    /// <summary>Least recently used first, down to nine tenths of the cap; the value just written stays.</summary>
    private void Evict(Entry keep)
    {
        var now = _time.GetUtcNow();
        var target = _limit / 10 * 9;
        foreach (var entry in _entries.Values.OrderBy(e => e.LastUsed).ToArray())
        {
            if (_size <= target)
            {
                break;
            }

            if (!ReferenceEquals(entry, keep))
            {
                Forget(entry, now);
            }
        }
    }

    private void Forget(Entry entry, DateTimeOffset now)
    {
        _entries.Remove(entry.Id);
        _size -= entry.Capacity;
        if (_gone.Count >= MaxRemembered)
        {
            // Remembering is a courtesy: past the bound the oldest are dropped, and their owners hear "not found".
            foreach (var oldest in _gone.OrderBy(g => g.Value.At).Take(MaxRemembered / 10).Select(g => g.Key).ToArray())
            {
                _gone.Remove(oldest);
            }
        }

        _gone[entry.Id] = new Gone(entry.Owner, now);
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var entry in _entries.Values.Where(e => now - e.LastUsed >= _expiry).ToArray())
            {
                Forget(entry, now);
            }

            foreach (var id in _gone.Where(g => now - g.Value.At >= ExpiredNotice).Select(g => g.Key).ToArray())
            {
                _gone.Remove(id);
            }
        }
    }

    private sealed class Entry(string id, string? owner, IReadOnlyList<byte[]> chunks, long length, long capacity, DateTimeOffset now)
    {
        public string Id { get; } = id;

        public string? Owner { get; } = owner;

        public IReadOnlyList<byte[]> Chunks { get; } = chunks;

        public long Length { get; } = length;

        public long Capacity { get; } = capacity;

        public DateTimeOffset LastUsed { get; set; } = now;
    }

    private readonly record struct Gone(string? Owner, DateTimeOffset At);
}
