using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Queueing;

/// <summary>
/// Wakes idle workers again shortly after this process enqueues, when a job still waits. Hangfire.Redis's idle worker
/// finds the queue empty and only then resets the wake-up event its process's workers share: an enqueue whose
/// <c>PUBLISH</c> lands between the two wakes nobody, and the job would wait for the next pass of
/// <see cref="LostFetchWatcher.Probe"/> (<c>DeadWorkerCheckInterval</c>) or the fetch timeout. So, <see cref="Delay"/>
/// after the latest enqueue, one script looks at the queues enqueued to and sends the fetch channel's message if any
/// holds a job. A worker that missed a job <see cref="Delay"/> earlier has long since reset the event, so this message
/// is not lost the same way.
/// One timer per process, never one per job: a steady stream of enqueues costs one script call per
/// <see cref="Delay"/>, a lone enqueue one, a short burst two (<see cref="Delay"/> after its first enqueue, then after
/// its last), whatever the number of jobs. A job fetched promptly leaves
/// the queue empty, so the script sends nothing. A Redis that is away is skipped: the next nudge or the pass covers it.
/// On a cluster every key of Hangfire's storage shares the prefix's hash tag, so the script's keys share one slot.
/// </summary>
internal sealed class FetchNudge : IDisposable
{
    /// <summary>How long after an enqueue the queues are looked at.</summary>
    internal static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);

    private const string WakeIfWaiting = """
        for i = 1, #KEYS do
          if redis.call('LLEN', KEYS[i]) > 0 then
            redis.call('PUBLISH', ARGV[1], 'wake')
            return 1
          end
        end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly RedisValue _channel;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();

    // The queues enqueued to since the last look, by name. A process uses a handful of queues.
    private readonly Dictionary<string, RedisKey> _pending = new(StringComparer.Ordinal);
    private long _lastEnqueue;
    private bool _armed;
    private bool _disposed;
    private int _looks;
    private int _wakes;
    private Task _lastLook = Task.CompletedTask;

    /// <param name="redis">Hangfire's connection.</param>
    /// <param name="prefix">The prefix of our Hangfire storage's keys.</param>
    /// <param name="time">The clock of the timer.</param>
    public FetchNudge(IConnectionMultiplexer redis, string prefix, TimeProvider time)
    {
        _redis = redis;
        _prefix = prefix;
        _channel = prefix + "JobFetchChannel";
        _time = time;
        _timer = time.CreateTimer(static state => ((FetchNudge)state!).Look(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many scripts were sent; for tests and the command count.</summary>
    internal int Looks => Volatile.Read(ref _looks);

    /// <summary>How many of them found a job waiting and sent the wake-up message.</summary>
    internal int Wakes => Volatile.Read(ref _wakes);

    /// <summary>The latest look, which never fails; for tests.</summary>
    internal Task LastLook => Volatile.Read(ref _lastLook);

    /// <summary>Notes an enqueue to <paramref name="queue"/>; on the enqueuer's thread, so it only sets the timer.</summary>
    public void Enqueued(string queue)
    {
        lock (_lock)
        {
            _lastEnqueue = _time.GetTimestamp();
            if (!_pending.ContainsKey(queue))
            {
                _pending[queue] = _prefix + "queue:" + queue;
            }

            if (_armed || _disposed)
            {
                return;
            }

            _armed = true;
            _timer.Change(Delay, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void Look()
    {
        Interlocked.Increment(ref _looks);
        Volatile.Write(ref _lastLook, LookAsync());
    }

    private async Task LookAsync()
    {
        KeyValuePair<string, RedisKey>[] looked;
        bool again;
        lock (_lock)
        {
            looked = [.. _pending];
            _pending.Clear();

            // An enqueue less than Delay ago may have met a worker between its miss and its reset just now: look once
            // more, Delay after the latest one.
            again = _time.GetElapsedTime(_lastEnqueue) < Delay;
        }

        try
        {
            var keys = Array.ConvertAll(looked, q => q.Value);
            if ((int)await _redis.GetDatabase().ScriptEvaluateAsync(WakeIfWaiting, keys, [_channel]).ConfigureAwait(false) == 1)
            {
                Interlocked.Increment(ref _wakes);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Redis is away, or the connection closed with the host. The nudge only shortens a wait the pass ends
            // anyway, so whatever failed, the next enqueue's nudge or the pass covers it.
        }
        finally
        {
            Rearm(looked, again);
        }
    }

    private void Rearm(KeyValuePair<string, RedisKey>[] looked, bool again)
    {
        lock (_lock)
        {
            if (again)
            {
                foreach (var (queue, key) in looked)
                {
                    _pending.TryAdd(queue, key);
                }
            }

            if (_pending.Count == 0 || _disposed)
            {
                _armed = false;
                return;
            }

            var due = Delay - _time.GetElapsedTime(_lastEnqueue);
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }
}
