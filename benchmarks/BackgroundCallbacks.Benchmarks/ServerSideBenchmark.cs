using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// Seed 003, dash-extensions' ServersideOutput benchmark: a click builds N random rows, and a second callback that takes
/// the rows as input summarises them. The round trip sends the rows to the client and back as JSON; the server-side
/// output keeps them in the value store and sends a reference. Each is run inline (in the request) and as a background
/// job followed by long poll. One HttpClient plays the browser and counts the bodies it sends and receives.
/// </summary>
/// <remarks>
/// Wall time over rounds rather than BenchmarkDotNet: an invocation at 1e6 rows takes up to a second, and the figure
/// that matters is the ratio of two paths measured in alternation on the same server, not a mean to the nanosecond.
/// </remarks>
public static class ServerSideBenchmark
{
    private const string Prefix = "/_callbacks";

    private enum Path
    {
        RoundTrip,
        ServerSideJson,
        ServerSideBinary,
    }

    /// <summary><c>serverside [--sizes=1000,100000,1000000] [--rounds=7]</c></summary>
    public static async Task RunAsync(string[] args)
    {
        var sizes = Option(args, "sizes", "1000,100000,1000000").Split(',').Select(s => (int)double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var rounds = int.Parse(Option(args, "rounds", "7"), CultureInfo.InvariantCulture);

        // The serializer is the app's, so each format gets its own app; both run side by side in this process.
        var (jsonApp, jsonAddress) = await StartAsync(serializer: null);
        var (binaryApp, binaryAddress) = await StartAsync(new DoubleArraySerializer());
        try
        {
            using var jsonClient = new BrowserClient(jsonAddress);
            using var binaryClient = new BrowserClient(binaryAddress);
            var results = new List<Result>();
            Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {rounds} rounds after one warm-up, paths alternated");
            foreach (var size in sizes)
            {
                foreach (var inline in new[] { true, false })
                {
                    var times = new Dictionary<Path, List<double>> { [Path.RoundTrip] = [], [Path.ServerSideJson] = [], [Path.ServerSideBinary] = [] };
                    var fullCollections = new Dictionary<Path, int> { [Path.RoundTrip] = 0, [Path.ServerSideJson] = 0, [Path.ServerSideBinary] = 0 };
                    var wires = new Dictionary<Path, List<Wire>> { [Path.RoundTrip] = [], [Path.ServerSideJson] = [], [Path.ServerSideBinary] = [] };
                    for (var round = 0; round <= rounds; round++)
                    {
                        // Rotating the order keeps a slow moment (a GC, another build) from landing on one path only.
                        for (var k = 0; k < 3; k++)
                        {
                            var path = (Path)((round + k) % 3);
                            var client = path == Path.ServerSideBinary ? binaryClient : jsonClient;

                            // Each click starts on a collected heap: otherwise the round trip's 40 MB of garbage is paid
                            // for by whichever path runs after it.
                            GC.Collect();
                            GC.WaitForPendingFinalizers();
                            GC.Collect();
                            var collections = GC.CollectionCount(2);
                            var (elapsed, wire) = await client.ClickAsync(Suffix(path, inline), size, round);
                            if (round > 0)
                            {
                                fullCollections[path] += GC.CollectionCount(2) - collections;
                                times[path].Add(elapsed.TotalMilliseconds);
                                wires[path].Add(wire);
                            }
                        }
                    }

                    foreach (var path in times.Keys)
                    {
                        var result = new Result(size, inline, path, Median(times[path]), times[path].Min(), wires[path]);
                        results.Add(result);
                        Console.WriteLine($"  N={size:N0} {(inline ? "inline" : "job"),-6} {Name(path),-26} median {result.MedianMs,9:F1} ms  min {result.MinMs,9:F1} ms  wire {result.Wire.Total,12:N0} B in {result.Requests} requests, {fullCollections[path]} gen2 GCs during the clicks");
                    }
                }
            }

            PrintTable(results);
            Console.WriteLine();
            await PrintPartsAsync(jsonApp, binaryApp, sizes.Max(), rounds);
        }
        finally
        {
            foreach (var app in new[] { jsonApp, binaryApp })
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static async Task<(WebApplication App, Uri Address)> StartAsync(IServerSideSerializer? serializer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = 256L * 1024 * 1024).UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var callbacks = builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;

            // No caching: every click runs both handlers, as the seed's benchmark does.
            o.CacheBy = [];

            // The round trip posts 1e6 rows back as ~20 MB of JSON; the defaults (1 MiB, 256 KiB) rightly refuse it.
            o.MaxRequestBodySize = 128L * 1024 * 1024;
            o.MaxArgumentSize = 128L * 1024 * 1024;
        });
        if (serializer is not null)
        {
            callbacks.UseServerSideSerializer(serializer);
        }

        foreach (var path in Enum.GetValues<Path>())
        {
            foreach (var inline in new[] { true, false })
            {
                var suffix = Suffix(path, inline);
                var build = callbacks.MapBackgroundCallback($"build-{suffix}", (int? _, int size) => Build(size));
                (path == Path.RoundTrip ? build.Output($"rows-{suffix}", "data") : build.ServerSideOutput($"rows-{suffix}", "data"))
                    .Input($"btn-{suffix}", "n_clicks").State("size", "value").Configure(a => a.Inline = inline);
                callbacks.MapBackgroundCallback($"summarise-{suffix}", (double[] rows) => Summarise(rows))
                    .Output($"summary-{suffix}", "children").Input($"rows-{suffix}", "data").Configure(a => a.Inline = inline);
            }
        }

        var app = builder.Build();
        app.MapBackgroundCallbacks(Prefix);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    private static double[] Build(int size)
    {
        var rows = new double[size];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = Random.Shared.NextDouble();
        }

        return rows;
    }

    private static string Summarise(double[] rows) =>
        string.Create(CultureInfo.InvariantCulture, $"{rows.Length} rows, mean {(rows.Length == 0 ? 0 : rows.Average()):F4}");

    /// <summary>
    /// The parts of the server-side path at the largest size, in-process with no HTTP around them: the library's write
    /// and read, and beside them the serializer alone and zlib alone on the same bytes, to tell what the time goes to.
    /// </summary>
    private static async Task PrintPartsAsync(WebApplication jsonApp, WebApplication binaryApp, int size, int rounds)
    {
        Console.WriteLine($"parts of the server-side path at N={size:N0}, median / best of {rounds} (ms):");
        Console.WriteLine("| serializer | build | serialize | zlib (fastest) | library write | library read | unzip | deserialize | summarise | serialized bytes | stored bytes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, app) in new[] { ("JSON (default)", jsonApp), ("binary double[]", binaryApp) })
        {
            var values = app.Services.GetRequiredService<ServerSideValues>();
            var serializer = app.Services.GetRequiredService<IServerSideSerializer>();
            var store = app.Services.GetRequiredService<ValueStores>().Get(ValueStores.DefaultName);
            var parts = new List<double[]>();
            long serializedBytes = 0, stored = 0;
            for (var round = 0; round <= rounds; round++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var times = new double[8];
                var clock = Stopwatch.StartNew();
                var rows = Build(size);
                times[0] = Lap(clock);

                var serialized = new MemoryStream();
                await serializer.SerializeAsync(serialized, rows, typeof(double[]), CancellationToken.None);
                times[1] = Lap(clock);
                serializedBytes = serialized.Length;

                var zipped = new MemoryStream();
                using (var zlib = new ZLibStream(zipped, CompressionLevel.Fastest, leaveOpen: true))
                {
                    zlib.Write(serialized.GetBuffer(), 0, (int)serialized.Length);
                }

                times[2] = Lap(clock);

                var reference = await values.WriteAsync(ValueStores.DefaultName, rows, owner: null, CancellationToken.None);
                times[3] = Lap(clock);
                stored = await StoredLengthAsync(store, reference);

                var read = (double[])(await values.ReadAsync(reference, typeof(double[]), "rows", CancellationToken.None))!;
                times[4] = Lap(clock);

                zipped.Position = 0;
                using (var unzip = new ZLibStream(zipped, CompressionMode.Decompress))
                {
                    unzip.CopyTo(Stream.Null);
                }

                times[5] = Lap(clock);

                serialized.Position = 0;
                _ = await serializer.DeserializeAsync(serialized, typeof(double[]), CancellationToken.None);
                times[6] = Lap(clock);

                _ = Summarise(read);
                times[7] = Lap(clock);
                if (round > 0)
                {
                    parts.Add(times);
                }
            }

            var cells = Enumerable.Range(0, 8).Select(i => string.Create(CultureInfo.InvariantCulture,
                $"{Median(parts.Select(p => p[i]).ToList()):F1} / {parts.Min(p => p[i]):F1}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {string.Join(" | ", cells)} | {serializedBytes:N0} | {stored:N0} |"));
        }
    }

    private static async Task<long> StoredLengthAsync(IValueStore store, string reference)
    {
        var stream = ServerSideReference.TryParse(reference, out _, out var id)
            ? await store.OpenReadAsync(id, CancellationToken.None)
            : null;
        if (stream is null)
        {
            return -1;
        }

        await using (stream)
        {
            return stream.Length;
        }
    }

    private static double Lap(Stopwatch clock)
    {
        var ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }

    private static void PrintTable(IReadOnlyList<Result> results)
    {
        Console.WriteLine();
        Console.WriteLine("| N | callbacks | path | wire bytes per click (build + summarise) | larger invocation | requests | click to summary, median (best) | round trip / this, medians (bests) |");
        Console.WriteLine("|---:|---|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Size, r.Inline)))
        {
            var baseline = group.Single(r => r.Path == Path.RoundTrip);
            foreach (var r in group)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Size:N0} | {(r.Inline ? "inline" : "job + long poll")} | {Name(r.Path)} | {r.Wire.Total:N0} | {r.Wire.Largest:N0} | {r.Requests} | {Ms(r.MedianMs)} ({Ms(r.MinMs)}) | {(r.Path == Path.RoundTrip ? "1.0" : $"{baseline.MedianMs / r.MedianMs:F1} ({baseline.MinMs / r.MinMs:F1})")} |"));
            }
        }
    }

    private static string Ms(double ms) => ms >= 100
        ? ms.ToString("F0", CultureInfo.InvariantCulture) + " ms"
        : ms.ToString("F2", CultureInfo.InvariantCulture) + " ms";

    private static string Name(Path path) => path switch
    {
        Path.RoundTrip => "round trip (JSON rows)",
        Path.ServerSideJson => "server-side, JSON",
        _ => "server-side, binary",
    };

    private static string Suffix(Path path, bool inline) =>
        (path switch { Path.RoundTrip => "rt", Path.ServerSideJson => "ssj", _ => "ssb" }) + (inline ? "-inline" : "-job");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Option(string[] args, string name, string fallback) =>
        args.FirstOrDefault(a => a.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..] ?? fallback;

    private sealed record Result(int Size, bool Inline, Path Path, double MedianMs, double MinMs, IReadOnlyList<Wire> Wires)
    {
        // A job's long poll is sometimes woken by "running" before "succeeded": one more answer, so the worst round is shown.
        public Wire Wire => new(Wires.Max(w => w.Total), Wires.Max(w => w.Largest), Wires.Max(w => w.Requests));

        public string Requests => Wires.Min(w => w.Requests) == Wire.Requests ? $"{Wire.Requests}" : $"{Wires.Min(w => w.Requests)}–{Wire.Requests}";
    }

    /// <summary>Body bytes of one click (sent plus received, build and summarise), the larger invocation's share, and the requests made.</summary>
    private readonly record struct Wire(long Total, long Largest, int Requests);

    /// <summary>
    /// Plays the browser: posts the click, follows a 202 by long poll, takes the build's rows output as it came and
    /// posts it back as the summary's input. It counts request and response body bytes (not headers) of every request.
    /// </summary>
    private sealed class BrowserClient(Uri address) : IDisposable
    {
        private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

        private readonly HttpClient _http = new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(2),
        };

        private long _bytes;
        private int _requests;

        public async Task<(TimeSpan Elapsed, Wire Wire)> ClickAsync(string suffix, int size, int clicks)
        {
            var clock = Stopwatch.StartNew();
            _bytes = 0;
            _requests = 0;
            var rows = $"rows-{suffix}";
            var buildBody = Body(
                w => Value(w, $"btn-{suffix}", "n_clicks", v => v.WriteNumberValue(clicks)),
                w => Value(w, "size", "value", v => v.WriteNumberValue(size)),
                $"btn-{suffix}.n_clicks");
            using var built = await InvokeAsync($"build-{suffix}", buildBody);
            var buildBytes = _bytes;

            // The rows output goes back as it arrived: a JSON array for the round trip, a reference string server-side.
            var summaryBody = Body(w => Value(w, rows, "data", v => Output(built, rows).WriteTo(v)), state: null, $"{rows}.data");
            using var summary = await InvokeAsync($"summarise-{suffix}", summaryBody);
            var text = Output(summary, $"summary-{suffix}").GetString();
            clock.Stop();
            if (text is null || !text.StartsWith(size.ToString(CultureInfo.InvariantCulture) + " rows", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Unexpected summary '{text}' for {size} rows.");
            }

            return (clock.Elapsed, new Wire(_bytes, Math.Max(buildBytes, _bytes - buildBytes), _requests));
        }

        public void Dispose() => _http.Dispose();

        private async Task<JsonDocument> InvokeAsync(string callbackId, byte[] body)
        {
            var answer = await SendAsync(HttpMethod.Post, $"{Prefix}/callbacks/{callbackId}", body);

            // The 202 names the job's URL; the job document that polls return does not repeat it.
            string? location = null;
            while (true)
            {
                var root = answer.RootElement;
                var status = root.GetProperty("status").GetString();
                if (status == "succeeded")
                {
                    return answer;
                }

                if (status is not ("queued" or "running"))
                {
                    throw new InvalidOperationException($"{callbackId} ended {status}: {root}");
                }

                location ??= root.GetProperty("location").GetString();
                var poll = $"{location}?after={root.GetProperty("version").GetInt64()}&wait=20000";
                answer.Dispose();
                answer = await SendAsync(HttpMethod.Get, poll, body: null);
            }
        }

        private async Task<JsonDocument> SendAsync(HttpMethod method, string path, byte[]? body)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
                _bytes += body.Length;
            }

            _requests++;
            using var response = await _http.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            _bytes += bytes.Length;
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
            {
                throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
            }

            return JsonDocument.Parse(bytes);
        }

        private static JsonElement Output(JsonDocument answer, string componentId) =>
            answer.RootElement.GetProperty("outputs").EnumerateArray().First(o => o.GetProperty("id").GetString() == componentId).GetProperty("value");

        private static byte[] Body(Action<Utf8JsonWriter> input, Action<Utf8JsonWriter>? state, string triggered)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartArray("inputs");
                input(w);
                w.WriteEndArray();
                w.WriteStartArray("state");
                state?.Invoke(w);
                w.WriteEndArray();
                w.WriteStartArray("triggered");
                w.WriteStringValue(triggered);
                w.WriteEndArray();
                w.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        private static void Value(Utf8JsonWriter w, string id, string property, Action<Utf8JsonWriter> value)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("property", property);
            w.WritePropertyName("value");
            value(w);
            w.WriteEndObject();
        }
    }
}
