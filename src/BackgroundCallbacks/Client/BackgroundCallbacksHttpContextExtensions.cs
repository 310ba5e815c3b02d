using BackgroundCallbacks.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Http;

/// <summary>Writes the URL of the browser client for pages and views.</summary>
public static class BackgroundCallbacksHttpContextExtensions
{
    /// <summary>
    /// Gets the URL of the browser client that carries the library's version, such as
    /// <c>/app/_callbacks/client.js?v=0.1.0</c>: the request's path base, the prefix passed to
    /// <c>MapBackgroundCallbacks</c> and the version. The server caches that URL for a year, and a new version of the
    /// package changes it, so a view that writes <c>&lt;script src="@Context.GetBackgroundCallbacksScriptUrl()" defer&gt;</c>
    /// never serves a stale client.
    /// </summary>
    /// <param name="context">The current request.</param>
    /// <returns>The script's URL, escaped for an HTML attribute's URL.</returns>
    /// <exception cref="InvalidOperationException">The app has not called <c>MapBackgroundCallbacks</c>.</exception>
    public static string GetBackgroundCallbacksScriptUrl(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var prefix = context.RequestServices.GetService<ClientScriptPrefix>()?.Value
            ?? throw new InvalidOperationException(
                "The background callback endpoints are not mapped: call app.MapBackgroundCallbacks() before asking for the client's URL.");
        var path = context.Request.PathBase.Add(new PathString(prefix + "/client.js"));
        return $"{path.ToUriComponent()}?v={Uri.EscapeDataString(ClientAssets.Shared.Version)}";
    }
}
