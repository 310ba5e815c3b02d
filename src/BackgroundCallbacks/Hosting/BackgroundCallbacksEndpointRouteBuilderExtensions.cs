using BackgroundCallbacks;
using BackgroundCallbacks.Client;
using BackgroundCallbacks.Http;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the background callback endpoints.</summary>
public static class BackgroundCallbacksEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the endpoints the browser client talks to under <paramref name="prefix"/>: the callback map, invocations,
    /// jobs and their event stream. The callback declarations are validated here, so a bad one stops the app at startup.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="prefix">The path prefix of every endpoint.</param>
    /// <returns>A builder to add conventions to all the endpoints, such as <c>RequireAuthorization</c> or <c>RequireRateLimiting</c>.</returns>
    public static IEndpointConventionBuilder MapBackgroundCallbacks(this IEndpointRouteBuilder endpoints, string prefix = "/_callbacks")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (endpoints.ServiceProvider.GetService<CallbackSources>() is null)
        {
            throw new InvalidOperationException(
                "MapBackgroundCallbacks needs the background callback services: call builder.Services.AddBackgroundCallbacks() before building the app.");
        }

        prefix = PlainPrefix(prefix);
        endpoints.ServiceProvider.GetRequiredService<ClientScriptPrefix>().Record(prefix);

        // Validate the declarations now rather than at the first request.
        endpoints.ServiceProvider.GetRequiredService<CallbackRegistry>();
        var handlers = ActivatorUtilities.CreateInstance<CallbackEndpoints>(endpoints.ServiceProvider, prefix);
        var uploads = ActivatorUtilities.CreateInstance<UploadEndpoints>(endpoints.ServiceProvider);
        var events = ActivatorUtilities.CreateInstance<EventStreamEndpoints>(endpoints.ServiceProvider);

        var group = endpoints.MapGroup(prefix);
        string[] read = [HttpMethods.Get, HttpMethods.Head];
        group.MapMethods("/dependencies", read, handlers.DependenciesAsync);
        group.MapPost("/callbacks/{callbackId}", handlers.InvokeAsync);
        group.MapMethods("/jobs/{handle}", read, handlers.PollAsync);
        group.MapDelete("/jobs/{handle}", handlers.CancelAsync);
        group.MapMethods("/events", read, events.StreamAsync);
        group.MapPost("/uploads", uploads.UploadAsync);
        group.MapMethods("/uploads/{sha256}", read, uploads.FindAsync);
        group.MapMethods("/client.js", read, ClientAssets.Shared.ServeScriptAsync);
        group.MapMethods("/client.d.ts", read, ClientAssets.Shared.ServeDeclarationsAsync);

        // What the endpoints above do not take is answered here, as problem details, rather than by routing's empty
        // 404 and 405: a route's other methods, then any other path under the prefix. They come after every endpoint
        // of the app (order 1), so they never shadow one, and carry the group's conventions like the rest.
        Unmatched(group, "/dependencies", UnmatchedRequests.MethodNotAllowed(read));
        Unmatched(group, "/callbacks/{callbackId}", UnmatchedRequests.MethodNotAllowed(HttpMethods.Post));
        Unmatched(group, "/jobs/{handle}", UnmatchedRequests.MethodNotAllowed([.. read, HttpMethods.Delete]));
        Unmatched(group, "/events", UnmatchedRequests.MethodNotAllowed(read));
        Unmatched(group, "/uploads", UnmatchedRequests.MethodNotAllowed(HttpMethods.Post));
        Unmatched(group, "/uploads/{sha256}", UnmatchedRequests.MethodNotAllowed(read));
        Unmatched(group, "/client.js", UnmatchedRequests.MethodNotAllowed(read));
        Unmatched(group, "/client.d.ts", UnmatchedRequests.MethodNotAllowed(read));
        Unmatched(group, "/{**path}", UnmatchedRequests.NotFoundAsync);
        return group;
    }

    /// <summary>
    /// Maps the cache administration endpoints under <paramref name="prefix"/>, all behind the authorization policy
    /// <paramref name="policy"/>: <c>DELETE {prefix}/cache</c> evicts every cached result,
    /// <c>DELETE {prefix}/cache/callbacks/{callbackId}</c> those of one callback, and <c>DELETE {prefix}/cache/keys/{key}</c>
    /// one result (see <see cref="ICallbackCache"/>). Nothing maps them unless the app calls this.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="prefix">The path prefix of the administration endpoints, such as <c>/_callbacks-admin</c>.</param>
    /// <param name="policy">The name of the authorization policy a caller must satisfy; required.</param>
    /// <returns>A builder to add further conventions to the endpoints.</returns>
    /// <exception cref="ArgumentException"><paramref name="policy"/> is empty, or <paramref name="prefix"/> is not a plain path.</exception>
    public static IEndpointConventionBuilder MapBackgroundCallbacksAdmin(this IEndpointRouteBuilder endpoints, string prefix, string policy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        if (endpoints.ServiceProvider.GetService<CallbackSources>() is null)
        {
            throw new InvalidOperationException(
                "MapBackgroundCallbacksAdmin needs the background callback services: call builder.Services.AddBackgroundCallbacks() before building the app.");
        }

        var admin = ActivatorUtilities.CreateInstance<AdminEndpoints>(endpoints.ServiceProvider);
        var group = endpoints.MapGroup(PlainPrefix(prefix));
        group.RequireAuthorization(policy);
        group.MapDelete("/cache", admin.EvictAllAsync);
        group.MapDelete("/cache/callbacks/{callbackId}", admin.EvictCallbackAsync);
        group.MapDelete("/cache/keys/{key}", admin.EvictKeyAsync);
        Unmatched(group, "/cache", UnmatchedRequests.MethodNotAllowed(HttpMethods.Delete));
        Unmatched(group, "/cache/callbacks/{callbackId}", UnmatchedRequests.MethodNotAllowed(HttpMethods.Delete));
        Unmatched(group, "/cache/keys/{key}", UnmatchedRequests.MethodNotAllowed(HttpMethods.Delete));
        return group;
    }

    internal static string PlainPrefix(string prefix)
    {
        prefix = prefix.TrimEnd('/');
        if (!prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The prefix '{prefix}' must start with '/' and be a plain path.", nameof(prefix));
        }

        return prefix;
    }

    private static void Unmatched(RouteGroupBuilder group, string pattern, RequestDelegate handler) =>
        group.Map(pattern, handler).WithOrder(1).ExcludeFromDescription();
}
