using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>
/// The library's backends, except that this process's workers take jobs only from the queues named on its command line
/// (<c>--TestHost:Queues=a,b</c>). The library has every worker listen on every manager's queue; a test that wants one
/// job on one worker process and the next on another needs each process to serve a queue of its own. Only the workers
/// are narrowed: enqueueing, sweeps and value stores go on as configured.
/// </summary>
internal sealed class QueueSelectingBackends(ICallbackBackendProvider inner, IReadOnlySet<string> queues) : ICallbackBackendProvider
{
    // One wrapper per backend: the managers group their queues by backend, and a wrapper per manager would split them.
    private readonly Dictionary<CallbackBackend, CallbackBackend> _wrapped = [];

    public CallbackBackend GetBackend(string managerName)
    {
        var backend = inner.GetBackend(managerName);
        lock (_wrapped)
        {
            if (!_wrapped.TryGetValue(backend, out var wrapped))
            {
                wrapped = new CallbackBackend(backend.Name, backend.Results, backend.Jobs, new SelectingQueue(backend.Queue, queues), backend.Idempotency, backend.Limits);
                _wrapped[backend] = wrapped;
            }

            return wrapped;
        }
    }

    private sealed class SelectingQueue(IJobQueue inner, IReadOnlySet<string> selected) : IJobQueue
    {
        public Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken) =>
            inner.EnqueueAsync(jobReference, queue, cancellationToken);

        public Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken) =>
            inner.ScheduleAsync(jobReference, queue, delay, cancellationToken);

        public IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services)
        {
            // The library's WorkersStarted event names every manager's queue; this line names the ones served.
            string[] served = [.. queues.Where(selected.Contains)];
            StdoutLogger.WriteLine("QUEUES|" + string.Join(',', served));
            return inner.StartWorkers(served, workerCount, services);
        }

        public Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken) =>
            inner.ListServersAsync(cancellationToken);
    }
}
