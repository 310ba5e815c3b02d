using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BackgroundCallbacks.Tests.Infrastructure;

/// <summary>
/// Records the library's spans and measurements for the callbacks of one test. Listeners are process-wide and test
/// classes run in parallel, so only what carries one of this test's callback ids is kept.
/// </summary>
public sealed class TelemetryRecorder : IDisposable
{
    public const string CallbackIdAttribute = "backgroundcallbacks.callback.id";

    private readonly HashSet<string> _callbackIds;
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters;

    public TelemetryRecorder(params string[] callbackIds)
    {
        _callbackIds = new HashSet<string>(callbackIds, StringComparer.Ordinal);
        _activities = new ActivityListener
        {
            // ASP.NET Core's source too: its request span is what carries an incoming traceparent into the app.
            ShouldListenTo = source => source.Name is "BackgroundCallbacks" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "BackgroundCallbacks" && Mine(activity.GetTagItem(CallbackIdAttribute)))
                {
                    Spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "BackgroundCallbacks")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _meters.Start();
    }

    /// <summary>The stopped spans of this test's callbacks.</summary>
    public ConcurrentQueue<Activity> Spans { get; } = new();

    /// <summary>The measurements of this test's callbacks.</summary>
    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    /// <summary>Waits until <paramref name="done"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<TelemetryRecorder, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!done(this))
        {
            Assert.True(DateTime.UtcNow < deadline, "Not seen in time: " + what);
            await Task.Delay(20);
        }
    }

    /// <summary>The sum of an instrument's measurements whose attributes include all of <paramref name="attributes"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] attributes) =>
        Measurements.Where(m => m.Instrument == instrument && attributes.All(a => m.Tags.TryGetValue(a.Key, out var v) && Equals(v?.ToString(), a.Value)))
            .Sum(m => m.Value);

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private bool Mine(object? callbackId) => callbackId is string id && _callbackIds.Contains(id);

    private void Measured<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        if (copy.TryGetValue(CallbackIdAttribute, out var id) && Mine(id))
        {
            Measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, Convert.ToDouble(value), copy));
        }
    }

    public sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags);
}
