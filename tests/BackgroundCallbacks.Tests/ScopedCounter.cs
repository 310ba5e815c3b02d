namespace BackgroundCallbacks.Tests;

public sealed class ScopedCounter : IDisposable
{
    private static int _disposed;

    public static int Disposed => Volatile.Read(ref _disposed);

    public Guid Id { get; } = Guid.NewGuid();

    public void Dispose() => Interlocked.Increment(ref _disposed);
}
