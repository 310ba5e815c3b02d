using BackgroundCallbacks.ServerSide;

namespace BackgroundCallbacks.Testing;

/// <summary>A value store built for one contract test, its expiry, and whatever it needs to be torn down.</summary>
public sealed class ValueStoreUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    internal ValueStoreUnderTest(IValueStore store, TimeSpan expiry, Func<ValueTask> dispose)
    {
        Store = store;
        Expiry = expiry;
        _dispose = dispose;
    }

    internal IValueStore Store { get; }

    public TimeSpan Expiry { get; }

    public ValueTask DisposeAsync() => _dispose();
}
