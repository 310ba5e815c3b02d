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

    /// <summary>
    /// Builds an invocation's key with the callback's generation now and looks it up. A store may ask for the value of
    /// the key of the generation it saw last while it reads the generation (one round trip instead of two), answering
    /// it only when the generation has not moved; the answer is always that of the current generation.
    /// </summary>
    async ValueTask<CacheLookup> LookUpAsync<TState>(string callbackId, TState state, Func<TState, CacheGeneration, string> keyFor, TimeSpan slidingExpiry, CancellationToken cancellationToken)
    {
        var key = keyFor(state, await GenerationAsync(callbackId, cancellationToken).ConfigureAwait(false));
        return new CacheLookup(key, await GetAsync(key, slidingExpiry, cancellationToken).ConfigureAwait(false));
    }

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
