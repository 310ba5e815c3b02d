using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Hosting;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>
/// The Redis backend, except that handing a job to the queue never returns: a web process with it admits jobs and
/// answers 202, and is then killed by the test before any job reaches the queue, as if it had died between the two.
/// </summary>
internal sealed class StallingBackendProvider(RedisBackendProvider inner) : ICallbackBackendProvider
{
    public CallbackBackend GetBackend(string managerName)
    {
        var backend = inner.GetBackend(managerName);
        return new CallbackBackend(backend.Name, backend.Results, backend.Jobs, new StallingQueue(backend.Queue), backend.Idempotency, backend.Limits);
    }

    private sealed class StallingQueue(IJobQueue inner) : IJobQueue
    {
        public Task EnqueueAsync(string jobReference, string queue, CancellationToken cancellationToken)
        {
            StdoutLogger.WriteLine("STALLED|" + jobReference);
            return Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task ScheduleAsync(string jobReference, string queue, TimeSpan delay, CancellationToken cancellationToken) =>
            inner.ScheduleAsync(jobReference, queue, delay, cancellationToken);

        public IJobWorkers StartWorkers(IReadOnlyList<string> queues, int workerCount, IServiceProvider services) =>
            inner.StartWorkers(queues, workerCount, services);

        public Task<IReadOnlyList<WorkerServer>> ListServersAsync(CancellationToken cancellationToken) =>
            inner.ListServersAsync(cancellationToken);
    }
}
