using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>The two sides of rows g and h of the latency benchmark: each call is one side of one round, its samples in milliseconds.</summary>
internal sealed class LatencySides(HttpClient http, ISubscriber subscriber, LatencyEvents events, int samples, int periodMs)
{
    private long _next;

    /// <summary>Row h: from sending the DELETE to its answer, every sample (warm-up included).</summary>
    public List<double> LibraryAnswered { get; } = [];

    /// <summary>Row h: from sending the bare POST to its answer, every sample (warm-up included).</summary>
    public List<double> BareAnswered { get; } = [];

    /// <summary>
    /// Row g, library: one job reports <c>samples</c> times; long polls follow it on the web process, each re-armed
    /// at once, so each waits parked when the next report comes.
    /// </summary>
    public async Task<List<double>> LibraryProgressAsync(CancellationToken cancellationToken)
    {
        var location = await InvokeAsync(LatencyCallbacks.Reporter, samples, cancellationToken);
        var latencies = new List<double>();
        long after = 0;
        var lastStep = 0;
        var deadline = DateTime.UtcNow + LatencyBenchmark.EventTimeout + TimeSpan.FromMilliseconds(samples * periodMs);
        while (DateTime.UtcNow < deadline)
        {
            var text = await http.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"{location}?after={after}&wait=20000"), cancellationToken);
            var received = LatencyChannels.Now();
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.TryGetProperty("progress", out var progress) && progress.ValueKind == JsonValueKind.Array && progress.GetArrayLength() > 0
                && progress[0].GetProperty("value") is { ValueKind: JsonValueKind.String } value)
            {
                var parts = value.GetString()!.Split('|');
                var step = int.Parse(parts[0], CultureInfo.InvariantCulture);
                if (step > lastStep)
                {
                    latencies.Add(LatencyChannels.Milliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture), received));
                    lastStep = step;
                }
            }

            var status = root.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "canceled")
            {
                return status == "succeeded" ? latencies : throw new InvalidOperationException($"the reporter job ended {status}: {text}");
            }

            after = root.GetProperty("version").GetInt64();
        }

        throw new InvalidOperationException("the reporter job did not end in time");
    }

    /// <summary>Row g, baseline: the helper publishes <c>samples</c> messages as far apart; bare long polls follow them.</summary>
    public async Task<List<double>> BareProgressAsync(CancellationToken cancellationToken)
    {
        var (after, _) = await BarePollAsync(-1, 0, cancellationToken);
        var batch = "b" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        await subscriber.PublishAsync(RedisChannel.Literal(LatencyChannels.Control), string.Create(CultureInfo.InvariantCulture, $"progress|{batch}|{samples}|{periodMs}"));
        var latencies = new List<double>();
        var last = 0;
        var deadline = DateTime.UtcNow + LatencyBenchmark.EventTimeout + TimeSpan.FromMilliseconds(samples * periodMs);
        while (last < samples)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the bare progress messages of {batch} did not all come in time ({last} of {samples})");
            }

            var (sequence, payload) = await BarePollAsync(after, 20_000, cancellationToken);
            var received = LatencyChannels.Now();
            after = sequence;
            var parts = payload.Split('|');
            if (parts.Length == 3 && parts[0] == batch && int.Parse(parts[1], CultureInfo.InvariantCulture) is var step && step > last)
            {
                latencies.Add(LatencyChannels.Milliseconds(long.Parse(parts[2], CultureInfo.InvariantCulture), received));
                last = step;
            }
        }

        return latencies;
    }

    /// <summary>Row h, library: each sample a waiter job, cancelled by DELETE once its handler runs.</summary>
    public async Task<List<double>> LibraryCancelAsync(CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var n = Interlocked.Increment(ref _next);
            var started = events.WaitAsync("started", n, LatencyBenchmark.EventTimeout, cancellationToken);
            var location = await InvokeAsync(LatencyCallbacks.Waiter, n, cancellationToken);
            await started;
            var fired = events.WaitAsync("fired", n, LatencyBenchmark.EventTimeout, cancellationToken);
            var sent = LatencyChannels.Now();
            using (var response = await http.DeleteAsync(location, cancellationToken))
            {
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"DELETE {location} answered {(int)response.StatusCode}");
                }
            }

            var answered = LatencyChannels.Now();
            latencies.Add(LatencyChannels.Milliseconds(sent, await fired));
            LibraryAnswered.Add(LatencyChannels.Milliseconds(sent, answered));
        }

        return latencies;
    }

    /// <summary>Row h, baseline: each sample one POST to the bare endpoint, whose PUBLISH the worker's helper stamps.</summary>
    public async Task<List<double>> BareCancelAsync(CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var n = Interlocked.Increment(ref _next);
            var fired = events.WaitAsync("bare-fired", n, LatencyBenchmark.EventTimeout, cancellationToken);
            var sent = LatencyChannels.Now();
            using (var response = await http.PostAsync(string.Create(CultureInfo.InvariantCulture, $"/bare/cancel?n={n}"), null, cancellationToken))
            {
                if (response.StatusCode != HttpStatusCode.NoContent)
                {
                    throw new InvalidOperationException($"POST /bare/cancel answered {(int)response.StatusCode}");
                }
            }

            var answered = LatencyChannels.Now();
            latencies.Add(LatencyChannels.Milliseconds(sent, await fired));
            BareAnswered.Add(LatencyChannels.Milliseconds(sent, answered));
        }

        return latencies;
    }

    private async Task<(long Sequence, string Payload)> BarePollAsync(long after, int waitMs, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"/bare/progress?after={after}&wait={waitMs}"), cancellationToken);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (long.Parse(text.AsSpan(0, newline), CultureInfo.InvariantCulture), text[(newline + 1)..]);
    }

    private async Task<string> InvokeAsync(string callbackId, long value, CancellationToken cancellationToken)
    {
        var input = callbackId + "-in";
        var body = string.Create(CultureInfo.InvariantCulture, $$"""{"inputs":[{"id":"{{input}}","property":"value","value":{{value}}}],"triggered":["{{input}}.value"]}""");
        using var response = await http.PostAsync("/_callbacks/callbacks/" + callbackId, new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"invoking {callbackId} answered {(int)response.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("location").GetString()!;
    }
}
