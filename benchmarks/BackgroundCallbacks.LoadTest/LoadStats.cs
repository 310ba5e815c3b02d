using System.Collections.Concurrent;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// What every client saw, counted from many threads at once: answers per request kind and status, accepted jobs and
/// how each ended (or why it was not seen to end), and the first few samples of anything that went wrong.
/// </summary>
internal sealed class LoadStats
{
    private const int SamplesKept = 10;
    private const int StatusSlots = 600;

    private readonly long[,] _statuses = new long[Enum.GetValues<RequestKind>().Length, StatusSlots];
    private readonly ConcurrentDictionary<string, long> _transportErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _terminal = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unfinished = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unexpected = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ServerErrorSample> _serverErrors = new();
    private readonly ConcurrentQueue<string> _samples = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _requests;
    private long _acceptedTotal;
    private long _endedTotal;
    private long _serverErrorCount;
    private long _sampleCount;

    public long Requests => Interlocked.Read(ref _requests);

    public long AcceptedTotal => Interlocked.Read(ref _acceptedTotal);

    public long EndedTotal => Interlocked.Read(ref _endedTotal);

    public double Elapsed => _clock.Elapsed.TotalSeconds;

    public void Answered(RequestKind kind, int status, string request, byte[] body)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _statuses[(int)kind, Math.Clamp(status, 0, StatusSlots - 1)]);
        if (status >= 500 && Interlocked.Increment(ref _serverErrorCount) <= SamplesKept)
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            _serverErrors.Enqueue(new ServerErrorSample(request, status, text.Length > 2000 ? text[..2000] + "…" : text, Math.Round(Elapsed, 1)));
        }
    }

    public void Failed(RequestKind kind, Exception exception, string request)
    {
        Interlocked.Increment(ref _requests);
        var name = exception.InnerException is TimeoutException ? "Timeout" : exception.GetType().Name;
        Increment(_transportErrors, $"{Verb(kind)} {name}");
        Sample($"{request}: {name}: {exception.Message}");
    }

    public void Accepted(string action)
    {
        Interlocked.Increment(ref _acceptedTotal);
        Increment(_accepted, action);
    }

    public void Ended(string action, JobState state)
    {
        Interlocked.Increment(ref _endedTotal);
        Increment(_terminal, state.Status);
        Increment(_outcomes, state.CancelReason is null ? $"{action}: {state.Status}" : $"{action}: {state.Status}/{state.CancelReason}");
    }

    public void NotEnded(string action, string reason, string location)
    {
        Increment(_unfinished, $"{action}: {reason}");
        Sample($"not ended ({action}, {reason}): {location}");
    }

    /// <summary>An answer that breaks the protocol's promise (a wrong status, a wrong result): never expected.</summary>
    public void Unexpected(string what, string detail)
    {
        Increment(_unexpected, what);
        Sample($"{what}: {detail}");
    }

    public long StatusCount(RequestKind kind, int status) => Interlocked.Read(ref _statuses[(int)kind, status]);

    public SortedDictionary<string, SortedDictionary<string, long>> StatusesByKind()
    {
        var result = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetValues<RequestKind>())
        {
            var codes = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (var status = 0; status < StatusSlots; status++)
            {
                if (StatusCount(kind, status) is > 0 and var count)
                {
                    codes[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = count;
                }
            }

            foreach (var (key, count) in _transportErrors.Where(e => e.Key.StartsWith(Verb(kind) + " ", StringComparison.Ordinal)))
            {
                codes["error: " + key[(Verb(kind).Length + 1)..]] = count;
            }

            result[Verb(kind)] = codes;
        }

        return result;
    }

    public SortedDictionary<string, long> AcceptedByAction() => Sorted(_accepted);

    public SortedDictionary<string, long> Outcomes() => Sorted(_outcomes);

    public long Outcome(string key) => _outcomes.GetValueOrDefault(key);

    public SortedDictionary<string, long> TerminalByStatus() => Sorted(_terminal);

    public SortedDictionary<string, long> NotEndedByReason() => Sorted(_unfinished);

    public SortedDictionary<string, long> UnexpectedByKind() => Sorted(_unexpected);

    public long ServerErrorCount => Interlocked.Read(ref _serverErrorCount);

    public IReadOnlyList<ServerErrorSample> ServerErrors() => [.. _serverErrors];

    public IReadOnlyList<string> Samples() => [.. _samples];

    public static string Verb(RequestKind kind) => kind.ToString().ToUpperInvariant();

    private void Sample(string text)
    {
        if (Interlocked.Increment(ref _sampleCount) <= SamplesKept)
        {
            _samples.Enqueue($"[{Elapsed:0.0}s] {text}");
        }
    }

    private static void Increment(ConcurrentDictionary<string, long> counts, string key) => counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    private static SortedDictionary<string, long> Sorted(ConcurrentDictionary<string, long> counts) => new(counts, StringComparer.Ordinal);
}
