using BackgroundCallbacks.Caching;
using Hangfire.InMemory;

namespace BackgroundCallbacks.Jobs;

/// <summary>Everything in this process: in-memory stores and Hangfire's in-memory storage, nothing to install.</summary>
internal sealed class EmbeddedBackendProvider(InMemoryResultStore results, InMemoryJobStateStore jobs) : ICallbackBackendProvider, IDisposable
{
    private readonly InMemoryStorage _storage = new(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid });
    private CallbackBackend? _backend;

    public CallbackBackend GetBackend(string managerName) =>
        _backend ??= new CallbackBackend("embedded", results, jobs, _storage);

    public void Dispose() => _storage.Dispose();
}
