using BackgroundCallbacks;
using BackgroundCallbacks.Http;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Queueing;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Hangfire's dashboard over the jobs of background callbacks.</summary>
public static class BackgroundCallbacksDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps Hangfire's dashboard for the job storage of background callbacks (not Hangfire's global one) under
    /// <paramref name="pattern"/>, behind the authorization policy <paramref name="policy"/>: an anonymous caller gets
    /// 401, a signed-in one without the policy 403. Hangfire's own authorization filters (by default, local requests
    /// only) are not used. The dashboard only shows: its buttons that delete or requeue jobs are off, since a job's state
    /// lives in the library's own store. Nothing maps it unless the app calls this.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="pattern">The dashboard's path, such as <c>/_callbacks/hangfire</c>.</param>
    /// <param name="policy">The name of the authorization policy a caller must satisfy; required.</param>
    /// <returns>A builder to add further conventions to the dashboard's endpoint.</returns>
    /// <exception cref="ArgumentException"><paramref name="policy"/> is empty, or <paramref name="pattern"/> is not a plain path.</exception>
    public static IEndpointConventionBuilder MapBackgroundCallbacksDashboard(this IEndpointRouteBuilder endpoints, string pattern, string policy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        if (endpoints.ServiceProvider.GetService<CallbackManagers>() is not { } managers)
        {
            throw new InvalidOperationException(
                "MapBackgroundCallbacksDashboard needs the background callback services: call builder.Services.AddBackgroundCallbacks() before building the app.");
        }

        pattern = BackgroundCallbacksEndpointRouteBuilderExtensions.PlainPrefix(pattern);
        var dashboard = HangfireDashboard.For(managers.Get(ManagerNames.Default).Backend, endpoints.CreateApplicationBuilder(), pattern)
            ?? throw new InvalidOperationException("The default manager's backend does not queue its jobs on Hangfire, so there is no Hangfire dashboard to map.");
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("BackgroundCallbacks.Dashboard");

        // A storage that cannot be reached answers 503, as the other endpoints do.
        return endpoints
            .Map(pattern + "/{**path}", context => CallbackEndpoints.GuardAsync(context, logger, dashboard.ServeAsync))
            .RequireAuthorization(policy)
            .ExcludeFromDescription();
    }
}
