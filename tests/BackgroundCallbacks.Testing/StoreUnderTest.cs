using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Testing;

/// <summary>A job store built for one contract test, with whatever it needs to be torn down.</summary>
public sealed class StoreUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    internal StoreUnderTest(IJobStore store, Func<ValueTask> dispose)
    {
        Store = store;
        _dispose = dispose;
    }

    internal IJobStore Store { get; }

    public ValueTask DisposeAsync() => _dispose();
}
