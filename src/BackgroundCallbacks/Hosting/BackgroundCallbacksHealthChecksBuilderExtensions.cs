using BackgroundCallbacks.Health;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the background callbacks health check to an application's health checks.</summary>
public static class BackgroundCallbacksHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of background callbacks: whether each backend answers (Redis reachable, its job state and results
    /// answering; the embedded backend always does) and, for each queue the registered callbacks use, whether a worker
    /// that serves it is alive in any process, from the heartbeats of the queue's servers. A backend that does not
    /// answer reports <paramref name="failureStatus"/>; a queue with no live worker reports
    /// <see cref="HealthStatus.Degraded"/> and is named in the description. The result's data holds one entry per
    /// backend (<c>backend:{name}</c>) and one per queue (<c>queue:{name}</c>: whether a worker is alive, how many
    /// servers and workers, the latest heartbeat). No thread waits on Redis or Hangfire while the check runs.
    /// </summary>
    /// <param name="builder">The application's health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status of a backend that does not answer; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to select the check by, for example for a readiness endpoint.</param>
    /// <param name="timeout">How long each backend call may take before it counts as not answering; 5 seconds when null.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddBackgroundCallbacks(
        this IHealthChecksBuilder builder,
        string name = "background-callbacks",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var bound = timeout ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bound, TimeSpan.Zero, nameof(timeout));

        // One instance per registration, kept for the app's life, so a slow storage call is shared by the next checks.
        var key = typeof(BackgroundCallbacksHealthCheck).FullName + ":" + name;
        builder.Services.AddKeyedSingleton(key, (sp, _) => new BackgroundCallbacksHealthCheck(
            sp.GetService<CallbackManagers>() ?? throw new InvalidOperationException(
                "The background callbacks health check needs the background callback services: call builder.Services.AddBackgroundCallbacks()."),
            sp.GetRequiredService<CallbackRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            bound));
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredKeyedService<BackgroundCallbacksHealthCheck>(key), failureStatus, tags));
    }
}
