namespace BackgroundCallbacks.Diagnostics;

/// <summary>
/// Every name the library traces and measures under, in one place: docs/observability.md lists the same names, and a
/// test holds the two to each other. Attributes are bounded (a callback id, a status), never a job id or a key.
/// </summary>
internal static class TelemetryNames
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of every span.</summary>
    public const string ActivitySource = "BackgroundCallbacks";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of every instrument.</summary>
    public const string Meter = "BackgroundCallbacks";

    public const string InvokeActivity = "backgroundcallbacks.invoke";
    public const string CacheLookupActivity = "backgroundcallbacks.cache.lookup";
    public const string AdmissionActivity = "backgroundcallbacks.admission";
    public const string JobRunActivity = "backgroundcallbacks.job.run";

    public const string Invocations = "backgroundcallbacks.invocations";
    public const string CacheLookups = "backgroundcallbacks.cache.lookups";
    public const string JobsEnded = "backgroundcallbacks.jobs.ended";
    public const string JobWaitDuration = "backgroundcallbacks.job.wait.duration";
    public const string JobRunDuration = "backgroundcallbacks.job.run.duration";
    public const string JobUpdates = "backgroundcallbacks.job.updates";
    public const string FollowersJoined = "backgroundcallbacks.followers.joined";

    public const string CallbackId = "backgroundcallbacks.callback.id";
    public const string JobStatus = "backgroundcallbacks.job.status";
    public const string JobAttempt = "backgroundcallbacks.job.attempt";
    public const string CacheResult = "backgroundcallbacks.cache.result";
    public const string AdmissionJoined = "backgroundcallbacks.admission.joined";
    public const string UpdateKind = "backgroundcallbacks.update.kind";

    /// <summary>OpenTelemetry's own attribute for what went wrong: an exception's type name.</summary>
    public const string ErrorType = "error.type";

    public const string CacheHit = "hit";
    public const string CacheMiss = "miss";
    public const string ProgressUpdate = "progress";
    public const string SideUpdate = "side";
}
