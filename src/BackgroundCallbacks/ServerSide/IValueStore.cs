namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// Where server-side values live: encoded bytes under a random id, with the owner who may read them (null when shared).
/// Reads slide the expiry. A store remembers for a while that an id existed after its value went, so a reader can be
/// told "expired" rather than "not found". Values are streamed in and out: a store never needs a value whole in memory.
/// </summary>
internal interface IValueStore
{
    /// <summary>
    /// Stores a new value: <paramref name="write"/> writes its bytes into the stream the store hands it, and the value is
    /// visible only once it has returned. A failure or cancellation leaves nothing behind.
    /// </summary>
    /// <exception cref="ValueTooLargeException">The value is larger than the store may hold.</exception>
    Task WriteAsync(string id, string? owner, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>Whether the value is there (and whose it is), and restarts its expiry; never reads the value itself.</summary>
    Task<ValueLookup> LookupAsync(string id, CancellationToken cancellationToken);

    /// <summary>Opens the value's bytes and restarts its expiry; null when it is missing or expired.</summary>
    Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken);
}
