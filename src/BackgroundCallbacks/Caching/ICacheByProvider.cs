using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks;

/// <summary>
/// Supplies a value that becomes part of a callback's cache key (Dash's <c>cache_by</c> functions). It runs in the
/// web request that invokes the callback, so it can read the user, the session or anything else the request carries.
/// </summary>
/// <remarks>
/// Register one by name with <see cref="BackgroundCallbacksBuilder.AddCacheByProvider{TProvider}(string)"/> and use the
/// name in <see cref="CallbackManagerOptions.CacheBy"/> or <see cref="BackgroundCallbackAttribute.CacheBy"/>.
/// </remarks>
public interface ICacheByProvider
{
    /// <summary>Returns the value to hash into the key; null is a value like any other.</summary>
    /// <param name="context">The invoking request.</param>
    /// <param name="cancellationToken">Fires when the request is aborted.</param>
    ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken);
}
