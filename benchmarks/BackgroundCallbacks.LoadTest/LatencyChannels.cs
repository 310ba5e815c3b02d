namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The Redis pub/sub channels of the latency benchmark (--role=latency), outside the library's key prefix. The
/// driver, the web process and the worker process agree on them.
/// </summary>
internal static class LatencyChannels
{
    /// <summary>Driver → worker helper: "progress|batch|count|periodMs" asks for a run of baseline progress messages.</summary>
    public const string Control = "latency:control";

    /// <summary>
    /// Worker → driver: "started|n" (a waiter job's token is registered), "fired|n|timestamp" (its token fired) and
    /// "bare-fired|n|timestamp" (the baseline's cancel message arrived).
    /// </summary>
    public const string Events = "latency:events";

    /// <summary>Worker helper → web process's bare long poll: "batch|i|timestamp".</summary>
    public const string BareProgress = "latency:bare:progress";

    /// <summary>Web process's bare POST → worker helper: "n".</summary>
    public const string BareCancel = "latency:bare:cancel";

    /// <summary>
    /// A timestamp every process on this machine reads alike: on Linux <see cref="Stopwatch.GetTimestamp"/> is
    /// CLOCK_MONOTONIC, one clock for the whole system, and unlike the wall clock it is never stepped.
    /// </summary>
    public static long Now() => Stopwatch.GetTimestamp();

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
