using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Redis.Queueing;

/// <summary>
/// This process's workers, started once Hangfire's connection is made rather than while the host starts: a host never
/// waits for Redis, and a connection that cannot be made yet (a factory of the application's that fails) is tried
/// again until it can, or until the host stops.
/// </summary>
internal sealed class DeferredWorkers : IJobWorkers
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Func<Task<IJobWorkers>> _start;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stopToken;
    private readonly Lock _lock = new();
    private readonly Task _starting;
    private IJobWorkers? _workers;
    private bool _stopped;

    /// <param name="start">Starts the workers once the queue is ready; it is awaited, and tried again while it fails.</param>
    /// <param name="logger">Where a start that failed is reported.</param>
    public DeferredWorkers(Func<Task<IJobWorkers>> start, ILogger logger)
    {
        _start = start;
        _logger = logger;
        _stopToken = _stopping.Token;
        _starting = Task.Run(StartAsync);
    }

    public void SendStop()
    {
        IJobWorkers? workers;
        lock (_lock)
        {
            _stopped = true;
            workers = _workers;
        }

        _stopping.Cancel();
        workers?.SendStop();
    }

    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        IJobWorkers? workers;
        lock (_lock)
        {
            workers = _workers;
        }

        if (workers is not null)
        {
            await workers.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        IJobWorkers? workers;
        lock (_lock)
        {
            _stopped = true;
            workers = _workers;
        }

        _stopping.Cancel();
        workers?.Dispose();
        _stopping.Dispose();
    }

    private async Task StartAsync()
    {
        var delay = FirstRetryDelay;
        while (!_stopToken.IsCancellationRequested)
        {
            try
            {
                var workers = await _start().WaitAsync(_stopToken).ConfigureAwait(false);
                bool keep;
                lock (_lock)
                {
                    keep = !_stopped;
                    if (keep)
                    {
                        _workers = workers;
                    }
                }

                if (!keep)
                {
                    // Stopped while they were starting: they take no job.
                    workers.SendStop();
                    workers.Dispose();
                }

                return;
            }
            catch (OperationCanceledException) when (_stopToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.WorkersNotStarted(_logger, e, delay);
                try
                {
                    await Task.Delay(delay, _stopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
