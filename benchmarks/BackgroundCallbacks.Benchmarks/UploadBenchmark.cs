using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// Seed 004, uploads: a large file processed by a callback (SHA-256 of its bytes), sent two ways. The upload path posts
/// the bytes as they are to <c>{prefix}/uploads</c> (streamed into a file-system value store) and invokes a callback
/// whose <see cref="IFormFile"/> parameter reads them on the worker; the inline path sends the same bytes as base64
/// inside the invocation's JSON to a handler taking a <c>string</c>. The web app runs as a child process (this
/// executable in <c>upload-server</c> mode), a fresh one per path and round, so its peak working set (VmHWM) is its own.
/// </summary>
public static class UploadBenchmark
{
    private const string Prefix = "/_callbacks";

    /// <summary><c>upload [--mb=100] [--rounds=3]</c></summary>
    public static async Task RunAsync(string[] args)
    {
        var megabytes = int.Parse(Option(args, "mb", "100"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "rounds", "3"), CultureInfo.InvariantCulture);
        var size = megabytes * 1024L * 1024;
        var work = Directory.CreateTempSubdirectory("bc-upload-bench-");
        try
        {
            // The client's file lives on disk and is streamed from there on both paths: the client holds neither copy.
            var file = Path.Combine(work.FullName, "input.bin");
            var sha256 = await WriteRandomFileAsync(file, size);
            var warmFile = Path.Combine(work.FullName, "warm.bin");
            var warmSha256 = await WriteRandomFileAsync(warmFile, 64 * 1024);
            Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, file {size:N0} B, {rounds} rounds, a fresh server process per path and round, paths alternated");

            var results = new Dictionary<bool, List<Run>> { [true] = [], [false] = [] };
            for (var round = 0; round < rounds; round++)
            {
                foreach (var upload in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var run = await RunOnceAsync(upload, work.FullName, file, sha256, warmFile, warmSha256);
                    results[upload].Add(run);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round + 1} {Name(upload),-34} {run.Ms,8:F0} ms  wire {run.Wire,13:N0} B  VmHWM {run.BeforeKb / 1024.0,6:F1} -> {run.AfterKb / 1024.0,6:F1} MB (rise {run.RiseMb:F1} MB)"));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"| {megabytes} MB file, SHA-256 on the worker | bytes on the wire (sent + received bodies) | start to result, median (best) | web process peak working set rise, median (max) | web process VmHWM after, median |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var upload in new[] { true, false })
            {
                var r = results[upload];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Name(upload)} | {r.Max(x => x.Wire):N0} | {Median(r.Select(x => x.Ms)):F0} ms ({r.Min(x => x.Ms):F0} ms) | {Median(r.Select(x => x.RiseMb)):F1} MB ({r.Max(x => x.RiseMb):F1} MB) | {Median(r.Select(x => x.AfterKb / 1024.0)):F0} MB |"));
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary><c>upload-server upload|inline {directory}</c>: the web app alone; prints its address and runs until killed.</summary>
    public static async Task ServeAsync(string[] args)
    {
        var upload = args[0] == "upload";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = 256L * 1024 * 1024).UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var callbacks = builder.Services.AddBackgroundCallbacks(o =>
        {
            o.ScanEntryAssembly = false;
            o.CacheBy = [];
            if (upload)
            {
                // Uploads go to disk: the bytes pass through a 64 KiB buffer and are never held whole in memory.
                o.UploadStore = "disk";
                o.MaxUploadSize = 256L * 1024 * 1024;
            }
            else
            {
                // 100 MB as base64 is ~134 MB of JSON; the defaults (1 MiB body, 256 KiB argument) rightly refuse it.
                o.MaxRequestBodySize = 256L * 1024 * 1024;
                o.MaxArgumentSize = 256L * 1024 * 1024;
            }
        });
        if (upload)
        {
            callbacks.AddFileSystemValueStore("disk", o => o.Directory = args[1]);
            callbacks.MapBackgroundCallback("digest", async (int? clicks, IFormFile? file, CancellationToken token) =>
                {
                    await using var stream = file!.OpenReadStream();
                    return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, token));
                })
                .Output("digest", "children").Input("go", "n_clicks").State("file", "files");
        }
        else
        {
            callbacks.MapBackgroundCallback("digest", (int? clicks, string? data) => Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(data!))))
                .Output("digest", "children").Input("go", "n_clicks").State("file", "data");
        }

        var app = builder.Build();
        app.MapBackgroundCallbacks(Prefix);
        await app.StartAsync();
        Console.WriteLine($"listening on {app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}");
        await app.WaitForShutdownAsync();
    }

    private static async Task<Run> RunOnceAsync(bool upload, string work, string file, string sha256, string warmFile, string warmSha256)
    {
        var store = Directory.CreateDirectory(Path.Combine(work, "store-" + Guid.NewGuid().ToString("N")));
        var (server, address) = await StartServerAsync(upload ? "upload" : "inline", store.FullName);
        try
        {
            using var client = new Client(address);

            // One small file first, through the same path: JIT, pools and the first job are paid before the baseline.
            await client.ProcessAsync(upload, warmFile, warmSha256);
            var before = PeakKb(server.Id);
            var clock = Stopwatch.StartNew();
            var wire = await client.ProcessAsync(upload, file, sha256);
            var ms = clock.Elapsed.TotalMilliseconds;
            var after = PeakKb(server.Id);
            return new Run(ms, wire, before, after);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
            store.Delete(recursive: true);
        }
    }

    private static async Task<(Process Server, Uri Address)> StartServerAsync(string mode, string directory)
    {
        // Run as "dotnet Benchmarks.dll" or as the apphost: either way the child is this same program.
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(UploadBenchmark).Assembly.Location);
        }

        foreach (var arg in new[] { "upload-server", mode, directory })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The server did not start: '{line}'.");
        }

        return (process, new Uri(line["listening on ".Length..]));
    }

    /// <summary>The process's peak resident set (VmHWM) in KiB.</summary>
    private static long PeakKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static async Task<string> WriteRandomFileAsync(string path, long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        await using var stream = File.Create(path);
        for (long written = 0; written < size; written += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, size - written);
            Random.Shared.NextBytes(buffer.AsSpan(0, count));
            hash.AppendData(buffer, 0, count);
            await stream.WriteAsync(buffer.AsMemory(0, count));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Name(bool upload) => upload ? "upload (file-system store) + IFormFile" : "inline base64 in the invocation JSON";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Option(string[] args, string name, string fallback) =>
        args.FirstOrDefault(a => a.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..] ?? fallback;

    private sealed record Run(double Ms, long Wire, long BeforeKb, long AfterKb)
    {
        public double RiseMb => (AfterKb - BeforeKb) / 1024.0;
    }

    /// <summary>Plays the browser: uploads or inlines the file, invokes, long polls; counts request and response body bytes.</summary>
    private sealed class Client(Uri address) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(5),
        };

        private long _bytes;

        public void Dispose() => _http.Dispose();

        public async Task<long> ProcessAsync(bool upload, string file, string sha256)
        {
            _bytes = 0;
            HttpContent body;
            if (upload)
            {
                var content = new StreamContent(File.OpenRead(file), 64 * 1024);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
                using var uploaded = await SendAsync(HttpMethod.Post, $"{Prefix}/uploads?name={Path.GetFileName(file)}", content, HttpStatusCode.Created);
                var reference = uploaded.RootElement.GetProperty("reference").GetString()!;
                body = Json(Invocation(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(reference)), []));
            }
            else
            {
                body = new Base64JsonContent(file);
            }

            using var answer = await InvokeAsync(body);
            var digest = answer.RootElement.GetProperty("outputs")[0].GetProperty("value").GetString();
            if (digest != sha256)
            {
                throw new InvalidOperationException($"Digest {digest}, expected {sha256}.");
            }

            return _bytes;
        }

        private static ByteArrayContent Json(byte[] bytes) => new(bytes) { Headers = { ContentType = MediaTypeHeaderValue.Parse("application/json") } };

        /// <summary>The invocation's JSON around the file's value: <c>prefix + value + suffix</c>.</summary>
        private static byte[] Invocation(byte[] value, byte[] tail) =>
            [.. Encoding.UTF8.GetBytes("""{"inputs":[{"id":"go","property":"n_clicks","value":1}],"state":[{"id":"file","property":"""),
             .. Encoding.UTF8.GetBytes(value.Length == 0 ? "\"data\",\"value\":\"" : "\"files\",\"value\":"), .. value, .. tail];

        private static readonly byte[] Suffix = Encoding.UTF8.GetBytes("""}],"triggered":["go.n_clicks"]}""");

        private async Task<JsonDocument> InvokeAsync(HttpContent body)
        {
            if (body is ByteArrayContent)
            {
                body = Json([.. await body.ReadAsByteArrayAsync(), .. Suffix]);
            }

            var answer = await SendAsync(HttpMethod.Post, $"{Prefix}/callbacks/digest", body, HttpStatusCode.OK, HttpStatusCode.Accepted);
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
                    throw new InvalidOperationException($"digest ended {status}: {root}");
                }

                location ??= root.GetProperty("location").GetString();
                var poll = $"{location}?after={root.GetProperty("version").GetInt64()}&wait=20000";
                answer.Dispose();
                answer = await SendAsync(HttpMethod.Get, poll, body: null, HttpStatusCode.OK);
            }
        }

        private async Task<JsonDocument> SendAsync(HttpMethod method, string path, HttpContent? body, params HttpStatusCode[] expected)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body };
            _bytes += body?.Headers.ContentLength ?? 0;
            using var response = await _http.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            _bytes += bytes.Length;
            if (!expected.Contains(response.StatusCode))
            {
                throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
            }

            return JsonDocument.Parse(bytes);
        }

        /// <summary>The invocation with the file as a base64 string, encoded from disk while it is sent.</summary>
        private sealed class Base64JsonContent : HttpContent
        {
            private readonly string _file;
            private readonly byte[] _head = Invocation([], []);
            private readonly byte[] _tail = [(byte)'"', .. Suffix];

            public Base64JsonContent(string file)
            {
                _file = file;
                Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
                Headers.ContentLength = _head.Length + Base64.GetMaxEncodedToUtf8Length((int)new FileInfo(file).Length) + _tail.Length;
            }

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                await stream.WriteAsync(_head);
                var raw = new byte[3 * 64 * 1024];
                var encoded = new byte[4 * 64 * 1024];
                await using var file = File.OpenRead(_file);
                int read;
                while ((read = await file.ReadAtLeastAsync(raw, raw.Length, throwOnEndOfStream: false)) > 0)
                {
                    Base64.EncodeToUtf8(raw.AsSpan(0, read), encoded, out _, out var written);
                    await stream.WriteAsync(encoded.AsMemory(0, written));
                }

                await stream.WriteAsync(_tail);
            }

            protected override bool TryComputeLength(out long length)
            {
                length = Headers.ContentLength!.Value;
                return true;
            }
        }
    }
}
