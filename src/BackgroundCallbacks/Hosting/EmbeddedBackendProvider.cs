using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Queueing;

namespace BackgroundCallbacks.Hosting;

/// <summary>Everything in this process: in-memory stores and Hangfire's in-memory storage, nothing to install.</summary>
internal sealed class EmbeddedBackendProvider(InMemoryResultStore results, InMemoryJobStore jobs, InMemoryIdempotencyStore idempotency, TimeProvider time) : ICallbackBackendProvider, IDisposable
{
    private readonly HangfireJobQueue _queue = HangfireJobQueue.InMemory();
    private CallbackBackend? _backend;

    public CallbackBackend GetBackend(string managerName) =>
        _backend ??= new CallbackBackend("embedded", results, jobs, _queue, idempotency, new InMemoryJobLimits(jobs.Changes, time));

    public void Dispose() => _queue.Dispose();
}
