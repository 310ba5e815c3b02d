using System.Collections.Concurrent;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Hands admitted jobs to their queue off the request path: an invocation posts the job and answers at once; threads of
/// this class's own (not the thread pool's) make the queue's blocking calls, retry them while the queue is unreachable,
/// and then acknowledge the admission in the outbox. Should this process die first, the sweeper of any process finds
/// the unacknowledged admission and posts it again.
/// </summary>
internal sealed class JobEnqueuer(JobLines lines, CallbackRegistry registry, TimeProvider time, ILogger<JobEnqueuer> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly BlockingCollection<Item> _items = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private Thread[]? _threads;
    private int _disposed;

    /// <summary>
    /// Queues a run of a job this process admitted (or the sweeper found); <paramref name="handle"/> is acknowledged once
    /// it is queued. A job of a limited callback goes into its line instead, and is queued when it is given a place.
    /// </summary>
    public void Post(CallbackManager manager, string jobId, string handle, CallbackLine? line)
    {
        EnsureStarted();
        try
        {
            _items.Add(new Item(manager, jobId, handle, line is { IsLimited: true } ? line : null) { Admitted = time.GetUtcNow() });
        }
        catch (InvalidOperationException)
        {
            // Stopping: the admission stays in the outbox, and a sweeper (of this process, or another) queues it.
            Log.EnqueueDeferred(logger, jobId);
        }
    }

    /// <summary>Queues a job the sweeper found admitted and never queued; its line is looked up from its record.</summary>
    public void PostRecovered(CallbackManager manager, string jobId, string handle)
    {
        EnsureStarted();
        try
        {
            _items.Add(new Item(manager, jobId, handle, null) { LookUpLine = true, Admitted = time.GetUtcNow() });
        }
        catch (InvalidOperationException)
        {
            Log.EnqueueDeferred(logger, jobId);
        }
    }

    /// <summary>Takes an admission out of the outbox without waiting for it: a joined job needs no queueing.</summary>
    public void Acknowledge(CallbackManager manager, string handle) => _ = AcknowledgeAsync(manager, handle);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _items.CompleteAdding();
        Thread[]? threads;
        lock (_lock)
        {
            threads = _threads;
        }

        // What is posted already is queued if the queue answers soon; the rest is left to a sweeper.
        var deadline = DateTime.UtcNow + DrainTimeout;
        foreach (var thread in threads ?? [])
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !thread.Join(left))
            {
                break;
            }
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            _stopping.Cancel();
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Registered both as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _items.CompleteAdding();
        _stopping.Dispose();
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _threads) is not null)
        {
            return;
        }

        lock (_lock)
        {
            if (_threads is not null)
            {
                return;
            }

            var threads = new Thread[Math.Max(2, Environment.ProcessorCount)];
            for (var i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(Run) { IsBackground = true, Name = "BackgroundCallbacks enqueuer " + i };
                threads[i].Start();
            }

            Volatile.Write(ref _threads, threads);
        }
    }

    private void Run()
    {
        try
        {
            foreach (var item in _items.GetConsumingEnumerable())
            {
                if (Enqueue(item))
                {
                    _ = AcknowledgeAsync(item.Manager, item.Handle);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed while stopping.
        }
    }

    private bool Enqueue(Item item)
    {
        var reference = JobHandles.JobReference(item.JobId, item.Manager.Name);
        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                var line = item.Line;
                if (item.LookUpLine
                    && item.Manager.Backend.Jobs.GetRecordAsync(item.JobId, _stopping.Token).AsTask().GetAwaiter().GetResult() is { } record
                    && registry.TryGet(record.CallbackId, out var callback) && callback.Line.IsLimited)
                {
                    line = callback.Line;
                }

                if (line is not null)
                {
                    // Into its line; whichever jobs the line lets run now (this one, or the ones ahead) are queued.
                    var granted = lines.EnterAsync(item.Manager, line, item.JobId, item.Admitted, _stopping.Token).AsTask().GetAwaiter().GetResult();
                    lines.QueueAsync(granted, _stopping.Token).GetAwaiter().GetResult();
                    return true;
                }

                item.Manager.Backend.Queue.EnqueueAsync(reference, item.Manager.Queue, _stopping.Token).GetAwaiter().GetResult();
                Log.JobQueued(logger, item.JobId, item.Manager.Queue);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.EnqueueFailed(logger, e, item.JobId, delay);
                if (_stopping.Token.WaitHandle.WaitOne(delay))
                {
                    return false;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task AcknowledgeAsync(CallbackManager manager, string handle)
    {
        try
        {
            await manager.Backend.Jobs.AcknowledgeAsync(handle, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Harmless: the sweeper finds the entry later, sees the job queued or joined, and drops it.
            Log.AcknowledgeFailed(logger, e);
        }
    }

    private sealed record Item(CallbackManager Manager, string JobId, string Handle, CallbackLine? Line)
    {
        public bool LookUpLine { get; init; }

        /// <summary>When the job was admitted (or found by the sweeper): its place in its line.</summary>
        public DateTimeOffset Admitted { get; init; }
    }
}
