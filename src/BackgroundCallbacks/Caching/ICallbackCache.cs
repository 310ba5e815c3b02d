namespace BackgroundCallbacks;

/// <summary>
/// Evicts cached results, so that the next identical invocation runs its handler again. Inject it where the data a
/// result was computed from changes. A job already running is not stopped: it caches its result under the key it was
/// admitted with, which after a callback's or a full eviction later invocations no longer use, and which after a
/// single key's eviction is that key again.
/// </summary>
/// <remarks>
/// Evicting a callback's results, or all results, does not enumerate entries: it moves the callback (or every callback)
/// to new cache keys, and the old entries expire on their own. The same operations are mapped over HTTP, behind an
/// authorization policy, by <c>MapBackgroundCallbacksAdmin</c>.
/// </remarks>
public interface ICallbackCache
{
    /// <summary>Evicts one result by its key, as a handler sees it in <see cref="CallbackContext.CacheKey"/>. A key nothing is cached under is no error.</summary>
    /// <param name="key">The cache key: 64 hexadecimal characters.</param>
    /// <param name="cancellationToken">Cancels the eviction.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a cache key.</exception>
    ValueTask EvictAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Evicts every cached result of one callback, for every owner and every argument.</summary>
    /// <param name="callbackId">The callback's id.</param>
    /// <param name="cancellationToken">Cancels the eviction.</param>
    /// <returns>False when no callback has this id (nothing was evicted).</returns>
    ValueTask<bool> EvictCallbackAsync(string callbackId, CancellationToken cancellationToken = default);

    /// <summary>Evicts every cached result of every callback.</summary>
    /// <param name="cancellationToken">Cancels the eviction.</param>
    ValueTask EvictAllAsync(CancellationToken cancellationToken = default);
}
