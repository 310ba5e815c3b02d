using System.Diagnostics.Metrics;
using System.Reflection;

namespace BackgroundCallbacks.Diagnostics;

/// <summary>
/// The library's instruments, on a meter from the app's <see cref="IMeterFactory"/> (so each app, and each test host,
/// has its own). OpenTelemetry's <c>AddMeter("BackgroundCallbacks")</c> collects them.
/// </summary>
internal sealed class CallbackMetrics
{
    // Jobs take from milliseconds to an hour; OpenTelemetry's default boundaries are made for milliseconds.
    private static readonly double[] DurationBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _invocations;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _jobsEnded;
    private readonly Histogram<double> _waitDuration;
    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _updates;
    private readonly Counter<long> _joined;

    public CallbackMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(new MeterOptions(TelemetryNames.Meter)
        {
            Version = typeof(CallbackMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        });
        var durations = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _invocations = meter.CreateCounter<long>(TelemetryNames.Invocations, "{invocation}", "Invocations of background callbacks, whatever their answer.");
        _cacheLookups = meter.CreateCounter<long>(TelemetryNames.CacheLookups, "{lookup}", "Result cache lookups of invocations of cached callbacks, by hit or miss.");
        _jobsEnded = meter.CreateCounter<long>(TelemetryNames.JobsEnded, "{job}", "Jobs whose run ended on a worker, by final status.");
        _waitDuration = meter.CreateHistogram(TelemetryNames.JobWaitDuration, "s", "Time from a job's admission to the start of its first run.", tags: null, durations);
        _runDuration = meter.CreateHistogram(TelemetryNames.JobRunDuration, "s", "Time a run of a job took on its worker, by the run's status.", tags: null, durations);
        _updates = meter.CreateCounter<long>(TelemetryNames.JobUpdates, "{update}", "Progress reports and side updates (SetProps) that handlers made.");
        _joined = meter.CreateCounter<long>(TelemetryNames.FollowersJoined, "{follower}", "Invocations that joined an identical job in flight instead of starting one.");
    }

    public void Invoked(string callbackId) => _invocations.Add(1, new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId));

    public void CacheLookedUp(string callbackId, bool hit) => _cacheLookups.Add(
        1,
        new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId),
        new KeyValuePair<string, object?>(TelemetryNames.CacheResult, hit ? TelemetryNames.CacheHit : TelemetryNames.CacheMiss));

    /// <param name="callbackId">The job's callback.</param>
    /// <param name="status">The job's final status as the wire writes it: succeeded, failed or canceled.</param>
    public void JobEnded(string callbackId, string status) => _jobsEnded.Add(
        1,
        new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId),
        new KeyValuePair<string, object?>(TelemetryNames.JobStatus, status));

    public void Waited(string callbackId, TimeSpan wait) =>
        _waitDuration.Record(Math.Max(0, wait.TotalSeconds), new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId));

    /// <param name="callbackId">The job's callback.</param>
    /// <param name="status">How the run ended, as the wire writes a status: succeeded, failed or canceled.</param>
    /// <param name="duration">From the run's start to its handler's return.</param>
    public void Ran(string callbackId, string status, TimeSpan duration) => _runDuration.Record(
        duration.TotalSeconds,
        new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId),
        new KeyValuePair<string, object?>(TelemetryNames.JobStatus, status));

    /// <param name="callbackId">The job's callback.</param>
    /// <param name="kind"><see cref="TelemetryNames.ProgressUpdate"/> or <see cref="TelemetryNames.SideUpdate"/>.</param>
    public void Updated(string callbackId, string kind) => _updates.Add(
        1,
        new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId),
        new KeyValuePair<string, object?>(TelemetryNames.UpdateKind, kind));

    public void Joined(string callbackId) => _joined.Add(1, new KeyValuePair<string, object?>(TelemetryNames.CallbackId, callbackId));
}
