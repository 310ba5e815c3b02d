using System.Globalization;
using System.Net;
using System.Text;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// One client's HTTP side: its own connection pool and cookie jar (so its own anonymous session), the three requests
/// of the protocol, and the latencies of its invocations. Every answer, and every request that got none, is counted.
/// </summary>
internal sealed class ProtocolClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly LoadStats _stats;

    public ProtocolClient(Uri baseAddress, LoadStats stats)
    {
        _stats = stats;
        var handler = new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // A client has at most two requests in flight (it follows both handles of a supersede); the rest is headroom.
            // Connections are kept alive and reused, so the driver opens a few hundred sockets in all, not one per request.
            MaxConnectionsPerServer = 8,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = RequestTimeout };
    }

    /// <summary>Latencies of invocations of the cached callback, in milliseconds.</summary>
    public List<double> HitPostMs { get; } = [];

    /// <summary>Latencies of invocations that admit a job, in milliseconds.</summary>
    public List<double> JobPostMs { get; } = [];

    /// <summary>The first request of a client, as the browser client's: it gets the map and the session cookie.</summary>
    public async Task<bool> StartSessionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_callbacks/dependencies");
        var reply = await SendAsync(RequestKind.Get, request, null, readState: false, cancellationToken).ConfigureAwait(false);
        return reply.Status == 200;
    }

    public async Task<Reply> InvokeAsync(string callbackId, int value, string? page, CancellationToken cancellationToken)
    {
        var input = callbackId + "-in";
        var pagePart = page is null ? "" : ",\"page\":\"" + page + "\"";
        var body = string.Create(CultureInfo.InvariantCulture, $$"""{"inputs":[{"id":"{{input}}","property":"value","value":{{value}}}],"triggered":["{{input}}.value"]{{pagePart}}}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/" + callbackId)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var latencies = callbackId == LoadCallbacks.Hit ? HitPostMs : JobPostMs;
        return await SendAsync(RequestKind.Post, request, latencies, readState: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Reply> PollAsync(string location, long after, int waitMs, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, FormattableString.Invariant($"{location}?after={after}&wait={waitMs}"));
        return await SendAsync(RequestKind.Get, request, null, readState: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Reply> CancelAsync(string location, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, location);
        return await SendAsync(RequestKind.Delete, request, null, readState: true, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<Reply> SendAsync(RequestKind kind, HttpRequestMessage request, List<double>? latencies, bool readState, CancellationToken cancellationToken)
    {
        var name = $"{LoadStats.Verb(kind)} {request.RequestUri}";
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var status = (int)response.StatusCode;
            _stats.Answered(kind, status, name, body);
            if (!readState || status is not (200 or 202))
            {
                return new Reply(status, null);
            }

            var state = JobState.TryParse(body);
            if (state is null)
            {
                _stats.Unexpected("unreadable body", $"{name} answered {status}: {Encoding.UTF8.GetString(body)}");
            }

            return new Reply(status, state);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // No answer at all: refused, reset, or nothing within the timeout.
            _stats.Failed(kind, e, name);
            return new Reply(0, null);
        }
    }
}
