using System.Diagnostics;
using System.Reflection;

namespace BackgroundCallbacks.Diagnostics;

/// <summary>
/// The library's spans. Each start returns null when nobody listens, so tracing costs nothing unless an app turns it on
/// (OpenTelemetry's <c>AddSource("BackgroundCallbacks")</c>, or any <see cref="ActivityListener"/>).
/// </summary>
internal static class CallbackActivities
{
    public static readonly ActivitySource Source = new(
        TelemetryNames.ActivitySource,
        typeof(CallbackActivities).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    public static Activity? StartInvoke(string callbackId) => Start(TelemetryNames.InvokeActivity, callbackId, ActivityKind.Internal, default);

    public static Activity? StartCacheLookup(string callbackId) => Start(TelemetryNames.CacheLookupActivity, callbackId, ActivityKind.Internal, default);

    public static Activity? StartAdmission(string callbackId) => Start(TelemetryNames.AdmissionActivity, callbackId, ActivityKind.Internal, default);

    /// <summary>
    /// A run of a job on a worker, as a child of the span that admitted it (carried in the job's record), so the run
    /// joins the web request's trace even when another process runs it.
    /// </summary>
    public static Activity? StartJobRun(string callbackId, string? traceParent, string? traceState, int attempt)
    {
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Start(TelemetryNames.JobRunActivity, callbackId, ActivityKind.Consumer, parent);
        activity?.SetTag(TelemetryNames.JobAttempt, attempt);
        return activity;
    }

    /// <summary>The current span's W3C <c>traceparent</c> and <c>tracestate</c>, for a job record; nulls when there is none.</summary>
    public static (string? TraceParent, string? TraceState) CurrentContext() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current
            ? (current.Id, current.TraceStateString)
            : (null, null);

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error);
        activity.SetTag(TelemetryNames.ErrorType, exception.GetType().FullName);
    }

    private static Activity? Start(string name, string callbackId, ActivityKind kind, ActivityContext parent)
    {
        // Without a listener there is no span, and the tags' array is not made (every hit starts two).
        if (!Source.HasListeners())
        {
            return null;
        }

        // The callback id goes in before sampling, so a sampler may decide by it.
        return Source.StartActivity(name, kind, parent, [new(TelemetryNames.CallbackId, callbackId)]);
    }
}
