using System.Diagnostics;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>
/// With --TestHost:Trace=true, prints each ended span of the library and of ASP.NET Core's requests as
/// "SPAN|source|name|traceId|spanId|parentSpanId|callbackId", so a test can follow one trace across processes.
/// </summary>
internal static class SpanPrinter
{
    private static ActivityListener? _listener;

    public static void Start()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "BackgroundCallbacks" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => StdoutLogger.WriteLine(
                $"SPAN|{activity.Source.Name}|{activity.OperationName}|{activity.TraceId}|{activity.SpanId}|{activity.ParentSpanId}|{activity.GetTagItem("backgroundcallbacks.callback.id")}"),
        };
        ActivitySource.AddActivityListener(_listener);
    }
}
