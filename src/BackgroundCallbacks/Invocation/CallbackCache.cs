using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// Evicts from the result stores of the managers' backends: a key by deleting it (from every backend, since a key does
/// not say whose it is), a callback or everything by advancing the generation <see cref="CacheKey"/> folds in.
/// </summary>
internal sealed class CallbackCache(CallbackRegistry registry, CallbackManagers managers, ILogger<CallbackCache> logger) : ICallbackCache
{
    public const int KeyLength = 64;

    /// <summary>Whether a string is a cache key as <see cref="CacheKey"/> writes it: 64 hexadecimal characters.</summary>
    public static bool IsKey(string? key) => key is { Length: KeyLength } && key.All(char.IsAsciiHexDigit);

    public async ValueTask EvictAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!IsKey(key))
        {
            throw new ArgumentException("A cache key is 64 hexadecimal characters.", nameof(key));
        }

        foreach (var backend in managers.Backends)
        {
            await backend.Results.RemoveAsync(key.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
        }

        Log.CacheEvicted(logger, "one key");
    }

    public async ValueTask<bool> EvictCallbackAsync(string callbackId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callbackId);
        if (!registry.TryGet(callbackId, out var callback))
        {
            return false;
        }

        await managers.Get(callback.Manager).Backend.Results.AdvanceAsync(callback.Id, cancellationToken).ConfigureAwait(false);
        Log.CacheEvicted(logger, "callback " + callback.Id);
        return true;
    }

    public async ValueTask EvictAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var backend in managers.Backends)
        {
            await backend.Results.AdvanceAsync(null, cancellationToken).ConfigureAwait(false);
        }

        Log.CacheEvicted(logger, "all");
    }
}
