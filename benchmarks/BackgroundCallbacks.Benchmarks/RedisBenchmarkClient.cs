using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// One client of the Redis rows (keep-alive, its own cookie jar so the library's session is kept): the library's
/// protocol (POST, then <c>GET …?after=&amp;wait=</c> until the job ends, docs/protocol.md), the floor endpoint, and the
/// hand-written app's POST and fixed-interval polling.
/// </summary>
internal sealed class RedisBenchmarkClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

    private readonly HttpClient _http;

    public RedisBenchmarkClient(Uri address)
    {
        _http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(1),
        };
    }

    public static byte[] Invocation(string callbackId, int n) => Encoding.UTF8.GetBytes(
        $$"""{"inputs":[{"id":"{{callbackId}}-in","property":"value","value":{{n}}}],"state":[],"triggered":["{{callbackId}}-in.value"]}""");

    /// <summary>POSTs <paramref name="body"/> and returns the answer's bytes; anything but 200 is an error.</summary>
    public async Task<byte[]> PostAsync(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) { Headers = { ContentType = Json } } };
        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode == HttpStatusCode.OK
            ? bytes
            : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
    }

    /// <summary>Invokes a library callback and follows its job by long poll until it ends; returns the last answer's status.</summary>
    public async Task<string> InvokeAsync(string callbackId, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/_callbacks/callbacks/{callbackId}")
        {
            Content = new ByteArrayContent(Invocation(callbackId, n)) { Headers = { ContentType = Json } },
        };
        using var response = await _http.SendAsync(request);
        var answer = await ReadAsync(response, request.RequestUri!);
        string? location = null;
        while (true)
        {
            var root = answer.RootElement;
            var status = root.GetProperty("status").GetString()!;
            if (status is not ("queued" or "running"))
            {
                answer.Dispose();
                return status == "succeeded" ? status : throw new InvalidOperationException($"{callbackId} ended {status}");
            }

            location ??= root.GetProperty("location").GetString();
            var poll = $"{location}?after={root.GetProperty("version").GetInt64()}&wait=20000";
            answer.Dispose();
            using var polled = await _http.GetAsync(poll);
            answer = await ReadAsync(polled, new Uri(poll, UriKind.Relative));
        }
    }

    /// <summary>
    /// The hand-written client: POST, then GET the status every <paramref name="interval"/> (the first after one
    /// interval, as <c>setInterval</c> would) until the job is done.
    /// </summary>
    public async Task HandAsync(int steps, int n, TimeSpan interval)
    {
        using var created = await _http.PostAsync($"/hand/jobs?steps={steps}&n={n}", content: null);
        using var job = await ReadAsync(created, new Uri("/hand/jobs", UriKind.Relative));
        var id = job.RootElement.GetProperty("id").GetString();
        while (true)
        {
            await Task.Delay(interval);
            using var polled = await _http.GetAsync($"/hand/status/{id}");
            using var state = await ReadAsync(polled, new Uri("/hand/status", UriKind.Relative));
            if (state.RootElement.GetProperty("status").GetString() == "done")
            {
                return;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, Uri uri)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted
            ? JsonDocument.Parse(bytes)
            : throw new InvalidOperationException($"{uri}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
    }
}
