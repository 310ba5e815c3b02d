namespace BackgroundCallbacks.Jobs;

/// <summary>The embedded backend's limits: lines, run times and owner counts in this process, under one lock.</summary>
internal sealed class InMemoryJobLimits(JobChangeNotifier changes, TimeProvider time) : IJobLimits
{
    /// <summary>How many recent run times make a callback's estimate.</summary>
    internal const int RunTimeSamples = 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<TimeSpan>> _runTimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _counted = new(StringComparer.Ordinal);

    public ValueTask<LineMove> EnterAsync(string line, string jobId, int maxRunning, DateTimeOffset admitted, CancellationToken cancellationToken)
    {
        LineMove move;
        bool moved;
        lock (_lock)
        {
            var entry = LineOf(line);
            moved = false;
            if (entry.Running.ContainsKey(jobId))
            {
                entry.Running[jobId] = time.GetUtcNow();
            }
            else if (!entry.Waiting.ContainsKey(jobId))
            {
                // Ordered by admission (in ticks), made unique among jobs admitted in the same tick.
                var order = admitted.UtcTicks;
                while (entry.BySequence.ContainsKey(order))
                {
                    order++;
                }

                entry.Waiting[jobId] = order;
                entry.Order.Add(order);
                entry.BySequence[order] = jobId;
                moved = true;
            }

            var granted = Promote(entry, maxRunning);
            moved |= granted.Count > 0;
            move = new LineMove(granted, entry.Waiting.TryGetValue(jobId, out var sequence) ? Rank(entry, sequence) : null);
        }

        if (moved)
        {
            changes.Signal(IJobLimits.WatchName(line), canceled: false);
        }

        return ValueTask.FromResult(move);
    }

    public ValueTask<LineMove> LeaveAsync(string line, string jobId, int maxRunning, CancellationToken cancellationToken)
    {
        List<string> granted;
        lock (_lock)
        {
            var entry = LineOf(line);
            entry.Running.Remove(jobId);
            if (entry.Waiting.Remove(jobId, out var sequence))
            {
                entry.Order.Remove(sequence);
                entry.BySequence.Remove(sequence);
            }

            granted = Promote(entry, maxRunning);
        }

        changes.Signal(IJobLimits.WatchName(line), canceled: false);
        return ValueTask.FromResult(new LineMove(granted, null));
    }

    public ValueTask RenewAsync(string line, string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_lines.TryGetValue(line, out var entry) && entry.Running.ContainsKey(jobId))
            {
                entry.Running[jobId] = time.GetUtcNow();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<long?> PositionAsync(string line, string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_lines.TryGetValue(line, out var entry))
            {
                return ValueTask.FromResult<long?>(null);
            }

            if (entry.Waiting.TryGetValue(jobId, out var sequence))
            {
                return ValueTask.FromResult<long?>(Rank(entry, sequence));
            }

            return ValueTask.FromResult<long?>(entry.Running.ContainsKey(jobId) ? 0 : null);
        }
    }

    public ValueTask<long> WaitingAsync(string line, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<long>(_lines.TryGetValue(line, out var entry) ? entry.Waiting.Count : 0);
        }
    }

    public ValueTask<IReadOnlyList<KeyValuePair<string, DateTimeOffset>>> HoldersAsync(string line, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<KeyValuePair<string, DateTimeOffset>> holders = _lines.TryGetValue(line, out var entry) ? [.. entry.Running] : [];
            return ValueTask.FromResult(holders);
        }
    }

    public ValueTask RecordRunTimeAsync(string callbackId, TimeSpan duration, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_runTimes.TryGetValue(callbackId, out var samples))
            {
                _runTimes[callbackId] = samples = new Queue<TimeSpan>(RunTimeSamples);
            }

            if (samples.Count == RunTimeSamples)
            {
                samples.Dequeue();
            }

            samples.Enqueue(duration);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<TimeSpan?> MeanRunTimeAsync(string callbackId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<TimeSpan?>(_runTimes.TryGetValue(callbackId, out var samples) && samples.Count > 0
                ? TimeSpan.FromTicks((long)samples.Average(s => s.Ticks))
                : null);
        }
    }

    public ValueTask<IReadOnlyList<string>?> TryCountAsync(IReadOnlyList<string> partitions, string handle, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                if (_counted.TryGetValue(partition, out var handles) && handles.Count >= max && !handles.Contains(handle))
                {
                    return ValueTask.FromResult<IReadOnlyList<string>?>([.. handles]);
                }
            }

            foreach (var partition in partitions)
            {
                if (!_counted.TryGetValue(partition, out var handles))
                {
                    _counted[partition] = handles = new HashSet<string>(StringComparer.Ordinal);
                }

                handles.Add(handle);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>?>(null);
    }

    public ValueTask UncountAsync(IReadOnlyList<string> partitions, IReadOnlyList<string> handles, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                if (_counted.TryGetValue(partition, out var counted))
                {
                    counted.ExceptWith(handles);
                    if (counted.Count == 0)
                    {
                        _counted.Remove(partition);
                    }
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    private Line LineOf(string line)
    {
        if (!_lines.TryGetValue(line, out var entry))
        {
            _lines[line] = entry = new Line();
        }

        return entry;
    }

    /// <summary>Gives the free running places to the heads of the line.</summary>
    private List<string> Promote(Line entry, int maxRunning)
    {
        var granted = new List<string>();
        while (entry.Running.Count < maxRunning && entry.Order.Count > 0)
        {
            var head = entry.Order.Min;
            entry.Order.Remove(head);
            entry.BySequence.Remove(head, out var jobId);
            entry.Waiting.Remove(jobId!);
            entry.Running[jobId!] = time.GetUtcNow();
            granted.Add(jobId!);
        }

        return granted;
    }

    private static long Rank(Line entry, long sequence) =>
        entry.Order.Min >= sequence ? 0 : entry.Order.GetViewBetween(entry.Order.Min, sequence - 1).Count;

    private sealed class Line
    {
        public Dictionary<string, long> Waiting { get; } = new(StringComparer.Ordinal);

        public SortedSet<long> Order { get; } = [];

        public Dictionary<long, string> BySequence { get; } = [];

        public Dictionary<string, DateTimeOffset> Running { get; } = new(StringComparer.Ordinal);
    }
}
