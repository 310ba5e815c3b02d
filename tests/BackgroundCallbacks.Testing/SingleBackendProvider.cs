using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Testing;

/// <summary>Gives every manager one job store, so the query side (<see cref="JobService"/>) can be run over a store under test.</summary>
internal sealed class SingleBackendProvider(IJobStore store) : ICallbackBackendProvider
{
    // The query side touches only the job store; results, the queue and idempotency records are never reached.
    private readonly CallbackBackend _backend = new("default", null!, store, null!, null!);

    public CallbackBackend GetBackend(string managerName) => _backend;
}
