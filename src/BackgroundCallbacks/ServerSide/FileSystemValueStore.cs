namespace BackgroundCallbacks.ServerSide;

/// <summary>Values as files in a directory (to be written).</summary>
internal sealed class FileSystemValueStore(string name, FileSystemValueStoreOptions options, TimeProvider time) : IValueStore, IDisposable
{
    public Task WriteAsync(string id, string? owner, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"{name} {options.Directory} {time}");

    public Task<ValueLookup> LookupAsync(string id, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken) => throw new NotImplementedException();

    public void Dispose()
    {
    }
}
