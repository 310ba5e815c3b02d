using BackgroundCallbacks.Jobs;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// Hangfire's own dashboard middleware over our job storage, as Hangfire.AspNetCore's endpoint mapping builds it, but
/// without Hangfire's global configuration (which <c>AddHangfire</c> would set) and built on the first request, since a
/// backend that connects on first use has no storage before. Hangfire's authorization filters are removed: the
/// endpoint's ASP.NET Core authorization policy decides who sees it.
/// </summary>
internal sealed class HangfireDashboard
{
    private readonly IApplicationBuilder _app;
    private readonly PathString _pattern;
    private readonly CallbackBackend _backend;
    private readonly IHangfireStorageSource _source;
    private readonly Lock _gate = new();
    private RequestDelegate? _pipeline;

    private HangfireDashboard(IApplicationBuilder app, PathString pattern, CallbackBackend backend, IHangfireStorageSource source)
    {
        _app = app;
        _pattern = pattern;
        _backend = backend;
        _source = source;
    }

    /// <summary>The dashboard of the storage of <paramref name="backend"/>'s queue; null when the queue is not on Hangfire.</summary>
    /// <param name="backend">The backend whose jobs it shows.</param>
    /// <param name="app">A branch of the app to build the dashboard's pipeline on.</param>
    /// <param name="pattern">The path the dashboard is mapped under.</param>
    public static HangfireDashboard? For(CallbackBackend backend, IApplicationBuilder app, string pattern) =>
        backend.Queue is IHangfireStorageSource source ? new HangfireDashboard(app, new PathString(pattern), backend, source) : null;

    public async Task ServeAsync(HttpContext context)
    {
        var pipeline = Volatile.Read(ref _pipeline);
        if (pipeline is null)
        {
            var storage = await _source.GetStorageAsync().ConfigureAwait(false);
            lock (_gate)
            {
                pipeline = _pipeline ??= Build(storage);
            }
        }

        try
        {
            await pipeline(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not (OperationCanceledException or BackendUnavailableException))
        {
            // Hangfire's pages call the storage's own client, whose failures the core cannot name. When the backend
            // does not answer either, the storage was the cause: a 503, as every endpoint answers then, not a 500.
            if (await AnswersAsync(context.RequestAborted).ConfigureAwait(false))
            {
                throw;
            }

            throw new BackendUnavailableException("Hangfire's dashboard could not read the job storage.", e);
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _backend.ProbeAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is BackendUnavailableException or TimeoutException)
        {
            return false;
        }
    }

    private RequestDelegate Build(JobStorage storage)
    {
        var options = new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [],

            // Our jobs' state lives in our own job store: deleting or requeueing Hangfire's record of a job from here
            // would not change it, so the dashboard only shows.
            IsReadOnlyFunc = static _ => true,
            DisplayStorageConnectionString = false,
            DashboardTitle = "Background callbacks",
        };

        // As Hangfire.AspNetCore maps it: the pattern becomes the path base, and a path Hangfire has no page for is a 404.
        return _app
            .UsePathBase(_pattern)
            .UseMiddleware<AspNetCoreDashboardMiddleware>(storage, options, DashboardRoutes.Routes, true)
            .Build();
    }
}
