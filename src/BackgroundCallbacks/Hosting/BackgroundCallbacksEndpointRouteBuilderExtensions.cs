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

        prefix = prefix.TrimEnd('/');
        if (!prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The prefix '{prefix}' must start with '/' and be a plain path.", nameof(prefix));
        }

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

    private static void Unmatched(RouteGroupBuilder group, string pattern, RequestDelegate handler) =>
        group.Map(pattern, handler).WithOrder(1).ExcludeFromDescription();
}
