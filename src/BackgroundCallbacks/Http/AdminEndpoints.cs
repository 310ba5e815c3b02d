using BackgroundCallbacks.Invocation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Http;

/// <summary>
/// The opt-in cache administration door: <see cref="ICallbackCache"/> over HTTP. It is mapped only when the app asks,
/// behind the app's authorization policy; it checks nothing itself beyond the shape of what it is given.
/// </summary>
internal sealed class AdminEndpoints(ICallbackCache cache, ILogger<AdminEndpoints> logger)
{
    public Task EvictAllAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, async c =>
    {
        await cache.EvictAllAsync(c.RequestAborted).ConfigureAwait(false);
        c.Response.StatusCode = StatusCodes.Status204NoContent;
    });

    public Task EvictCallbackAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, async c =>
    {
        var callbackId = c.Request.RouteValues["callbackId"] as string ?? string.Empty;
        if (!await cache.EvictCallbackAsync(callbackId, c.RequestAborted).ConfigureAwait(false))
        {
            await Problems.WriteAsync(c, StatusCodes.Status404NotFound, "Callback not found", "There is no callback with this id.").ConfigureAwait(false);
            return;
        }

        c.Response.StatusCode = StatusCodes.Status204NoContent;
    });

    public Task EvictKeyAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, async c =>
    {
        var key = c.Request.RouteValues["key"] as string;
        if (!CallbackCache.IsKey(key))
        {
            await Problems.WriteAsync(c, StatusCodes.Status400BadRequest, "Invalid cache key", $"A cache key is {CallbackCache.KeyLength} hexadecimal characters.").ConfigureAwait(false);
            return;
        }

        await cache.EvictAsync(key!, c.RequestAborted).ConfigureAwait(false);
        c.Response.StatusCode = StatusCodes.Status204NoContent;
    });
}
