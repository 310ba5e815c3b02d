namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The token of one run: it fires when the job is cancelled (its followers left, its time limit passed, nobody followed
/// it) or this worker shuts down, and tells which it was. Cancellation is cooperative: a handler that goes on after its
/// token fired keeps its worker, and a warning is logged when it has not returned some time later.
/// </summary>
internal sealed class RunCancellation : IDisposable
{
    private readonly CancellationTokenSource _canceled = new();
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _shutdown;
    private readonly TimeProvider _time;
    private readonly TimeSpan _warnAfter;
    private readonly Action _warn;
    private readonly Lock _lock = new();
    private ITimer? _warning;
    private ITimer? _limit;
    private bool _returned;

    public RunCancellation(TimeProvider time, TimeSpan warnAfter, Action warn, CancellationToken shutdown)
    {
        _shutdown = shutdown;
        _time = time;
        _warnAfter = warnAfter;
        _warn = warn;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_canceled.Token, shutdown);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>Whether the job was cancelled (by its followers, its time limit or for being abandoned).</summary>
    public bool IsCanceled => _canceled.IsCancellationRequested;

    /// <summary>Whether the worker shuts down and the job was not cancelled: the run is interrupted, not ended.</summary>
    public bool IsInterrupted => _shutdown.IsCancellationRequested && !IsCanceled;

    /// <summary>Fires the token because the job was cancelled; called once, from the store's cancel subscription.</summary>
    public void Cancel()
    {
        lock (_lock)
        {
            if (_returned || _canceled.IsCancellationRequested)
            {
                return;
            }

            _canceled.Cancel();
            _warning = _time.CreateTimer(static state => ((Action)state!)(), _warn, _warnAfter, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The handler has returned: no cancel or warning is needed any more.</summary>
    public void HandlerReturned()
    {
        lock (_lock)
        {
            _returned = true;
            _warning?.Dispose();
            _limit?.Dispose();
        }
    }

    /// <summary>
    /// Calls <paramref name="onLimit"/> once when <paramref name="limit"/> has passed and the handler has not returned:
    /// the run's time limit, counted from now. It ends the job in the store, whose cancel then fires the token.
    /// </summary>
    public void LimitTo(TimeSpan limit, Action onLimit)
    {
        lock (_lock)
        {
            if (!_returned)
            {
                _limit = _time.CreateTimer(static state => ((Action)state!)(), onLimit, limit, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        HandlerReturned();
        _linked.Dispose();
        _canceled.Dispose();
    }
}
