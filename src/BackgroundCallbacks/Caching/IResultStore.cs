namespace BackgroundCallbacks.Caching;

/// <summary>Cached outputs by cache key, with sliding expiry: each read restarts an entry's timer.</summary>
internal interface IResultStore
{
    /// <summary>
    /// Returns the outputs stored under the key, as the UTF-8 bytes of their JSON, and restarts its expiry; null on a miss.
    /// Bytes, not a string: a hit is copied to the response as it is, never decoded and encoded again. The memory is the
    /// caller's to read, not to change.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, TimeSpan slidingExpiry, CancellationToken cancellationToken);

    ValueTask SetAsync(string key, string outputsJson, TimeSpan slidingExpiry, CancellationToken cancellationToken);

    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>The eviction generation the keys of a callback are built with now.</summary>
    ValueTask<CacheGeneration> GenerationAsync(string callbackId, CancellationToken cancellationToken);

    /// <summary>Evicts every result of one callback, or of all callbacks when <paramref name="callbackId"/> is null, by moving to the next generation.</summary>
    ValueTask AdvanceAsync(string? callbackId, CancellationToken cancellationToken);

    /// <summary>
    /// Evicts every result of a manager's callbacks when its processes start, once for processes that start within
    /// <paramref name="window"/> of each other: the first to claim the manager's marker advances the callbacks'
    /// generations, the others find the marker and leave them.
    /// </summary>
    /// <returns>Whether this call advanced them.</returns>
    ValueTask<bool> ClearOnStartupAsync(string manager, IReadOnlyCollection<string> callbackIds, TimeSpan window, CancellationToken cancellationToken);
}
