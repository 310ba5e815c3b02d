using System.Net.Http.Headers;
using System.Text;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// Reads a Server-Sent Events answer as it arrives, block by block, as an <c>EventSource</c> would (without its
/// reconnecting): the test sees each event when the server flushed it, not when the stream ends.
/// </summary>
public sealed class EventStreamReader : IDisposable
{
    private readonly StreamReader _reader;

    private EventStreamReader(HttpResponseMessage response, Stream body)
    {
        Response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Opens <paramref name="url"/>; returns once the headers are in, whatever the status.</summary>
    public static async Task<EventStreamReader> OpenAsync(HttpClient http, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new EventStreamReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next block, or null when the server closed the stream; fails when none comes within <paramref name="timeout"/>.</summary>
    public async Task<ServerSentEvent?> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        string? name = null, id = null, comment = null, retry = null;
        StringBuilder? data = null;
        var any = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                throw new TimeoutException("The event stream sent nothing in time.");
            }

            if (line is null)
            {
                return any ? new ServerSentEvent(name, id, data?.ToString(), comment, retry) : null;
            }

            if (line.Length == 0)
            {
                if (any)
                {
                    return new ServerSentEvent(name, id, data?.ToString(), comment, retry);
                }

                continue;
            }

            any = true;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "":
                    comment = value;
                    break;
                case "event":
                    name = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "retry":
                    retry = value;
                    break;
                case "data":
                    data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                    break;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        Response.Dispose();
    }
}
